package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/notify"
	"anju/internal/personal"
	"anju/internal/store"
)

// appFlags are the settings shared by every command that opens the database
// for real work: where it is, the data-encryption keys and the public URL.
type appFlags struct {
	db        *string
	keys      *string
	keyFile   *string
	publicURL *string
	// webhookAllow lists internal webhook receivers the store may call.
	webhookAllow *string
}

func addAppFlags(fs *flag.FlagSet, env *cliEnv) appFlags {
	return appFlags{
		db:        dbFlag(fs, env),
		keys:      fs.String("data-keys", env.getenv("ANJU_DATA_KEYS"), "data-encryption keys ID:BASE64,… (first is current)"),
		keyFile:   fs.String("data-key-file", env.getenv("ANJU_DATA_KEY_FILE"), "file holding the data-encryption keys"),
		publicURL: fs.String("public-url", env.getenv("ANJU_PUBLIC_URL"), "base URL of links sent to residents"),
		webhookAllow: fs.String("webhook-allow", env.getenv("ANJU_WEBHOOK_ALLOW"),
			"internal webhook receivers to allow: host names, IP addresses and CIDR prefixes, comma-separated"),
	}
}

// defaultKeyFile keeps the keys beside an SQLite database, or in
// ./anju-data for PostgreSQL.
func defaultKeyFile(dsn string) string {
	if p, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return filepath.Join(filepath.Dir(p), "data.key")
	}
	return filepath.Join("anju-data", "data.key")
}

// loadKeys returns the keyring from --data-keys, else from the key file. When
// neither exists and generate is set, it creates a key and stores it in the
// key file (mode 0600), telling the operator to back it up.
func loadKeys(env *cliEnv, f appFlags, generate bool) (*personal.Keyring, error) {
	if *f.keys != "" {
		k, err := personal.ParseKeyring(*f.keys)
		if err != nil {
			return nil, usageError("--data-keys: %s", anju.ErrorMessage(err))
		}
		return k, nil
	}
	path := *f.keyFile
	if path == "" {
		path = defaultKeyFile(*f.db)
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		k, err := personal.ParseKeyring(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("key file %s: %s", path, anju.ErrorMessage(err))
		}
		return k, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("key file: %w", err)
	case !generate:
		return nil, nil
	}
	id := "k" + time.Now().UTC().Format("20060102")
	line := personal.FormatKey(id, personal.GenerateKey())
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(line+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write key file: %w", err)
	}
	fmt.Fprintf(env.stderr, "anju: generated a data-encryption key in %s; back it up: personal data cannot be read without it\n", path)
	return personal.ParseKeyring(line)
}

// openApp opens the database with the keys and public URL.
func openApp(ctx context.Context, env *cliEnv, f appFlags, generateKey bool) (*store.DB, error) {
	return openAppWith(ctx, env, f, generateKey, store.Options{})
}

// openAppWith is openApp with further options (the demo's bulk fill).
func openAppWith(ctx context.Context, env *cliEnv, f appFlags, generateKey bool, opts store.Options) (*store.DB, error) {
	keys, err := loadKeys(env, f, generateKey)
	if err != nil {
		return nil, err
	}
	opts.Keys, opts.PublicURL = keys, *f.publicURL
	if opts.WebhookAllow, err = notify.ParseAllowList(*f.webhookAllow); err != nil {
		return nil, usageError("--webhook-allow: %s", anju.ErrorMessage(err))
	}
	return openStore(ctx, *f.db, opts)
}

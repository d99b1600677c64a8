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
	path := keyFilePath(f)
	b, err := readKeyFile(path)
	switch {
	case err == nil:
		k, err := personal.ParseKeyring(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("key file %s: %s", path, anju.ErrorMessage(err))
		}
		return k, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	case !generate:
		return nil, nil
	}
	id := "k" + time.Now().UTC().Format("20060102")
	line := personal.FormatKey(id, personal.GenerateKey())
	if err := writeKeyFile(path, []byte(line+"\n")); err != nil {
		return nil, err
	}
	fmt.Fprintf(env.stderr, "anju: generated a data-encryption key in %s; back it up: personal data cannot be read without it\n", path)
	return personal.ParseKeyring(line)
}

// keyFilePath is the key file a command uses: --data-key-file, else the
// default beside the database.
func keyFilePath(f appFlags) string {
	if *f.keyFile != "" {
		return *f.keyFile
	}
	return defaultKeyFile(*f.db)
}

// readKeyFile reads a key file, refusing one that group or others may read
// or write: a data key anyone else on the host can read protects nothing, so
// the operator has to tighten it before Anju uses it.
func readKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("key file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("key file %s is open to group or others (mode %04o); restrict it with: chmod 600 %s", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	return b, nil
}

// writeKeyFile creates a key file readable by its owner only, in a directory
// only its owner may enter when it has to create that directory. It never
// replaces an existing file.
func writeKeyFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("key file directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync() // a key lost in a power cut makes the data sealed under it unreadable
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("write key file: %w", err)
	}
	return nil
}

// openApp opens the database with the keys and public URL.
func openApp(ctx context.Context, env *cliEnv, f appFlags, generateKey bool) (*store.DB, error) {
	return openAppWith(ctx, env, f, generateKey, store.Options{})
}

// openAppWith is openApp with further options (the demo's bulk fill).
func openAppWith(ctx context.Context, env *cliEnv, f appFlags, generateKey bool, opts store.Options) (*store.DB, error) {
	// A DSN that cannot open must not leave a new key file behind.
	if _, err := engineOf(*f.db); err != nil {
		return nil, err
	}
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

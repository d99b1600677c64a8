// Command anju is the single binary of the Anju platform: server, demo city,
// imports, user administration, audit verification and benchmarks.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &cliEnv{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	if err := run(ctx, os.Args[1:], env); err != nil {
		var ex exitError
		if errors.As(err, &ex) {
			if ex.msg != "" {
				fmt.Fprintln(os.Stderr, "anju: "+ex.msg)
			}
			os.Exit(ex.code)
		}
		fmt.Fprintln(os.Stderr, "anju: "+oneLine(err.Error()))
		os.Exit(1)
	}
}

// cliEnv is everything a command may touch outside its arguments, so that
// tests can run commands in-process with their own environment and buffers.
type cliEnv struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand. Each lives in its own file and registers itself
// from init, so adding a command touches no other file.
type command struct {
	name    string
	summary string
	usage   string // full help text shown by `anju help NAME`
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("anju: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// exitError ends the program with a given status and an optional one-line message.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// usageError reports a wrong invocation: exit status 2 and one line.
func usageError(format string, args ...any) error {
	return exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}

func run(ctx context.Context, args []string, env *cliEnv) error {
	if len(args) == 0 {
		printHelp(env.stdout)
		return usageError("no command given; see 'anju help'")
	}
	name := args[0]
	switch name {
	case "help", "-h", "--help":
		if len(args) > 1 {
			c, ok := commands[args[1]]
			if !ok {
				return usageError("unknown command %q; see 'anju help'", args[1])
			}
			fmt.Fprintln(env.stdout, strings.TrimSpace(c.usage))
			return nil
		}
		printHelp(env.stdout)
		return nil
	}
	c, ok := commands[name]
	if !ok {
		return usageError("unknown command %q; see 'anju help'", name)
	}
	return c.run(ctx, env, args[1:])
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "anju — grid-based community governance\n\nUsage: anju COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'anju help COMMAND' for a command's flags.")
}

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

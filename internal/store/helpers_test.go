package store_test

import "anju/internal/auth"

func authHash(p string) (string, error) {
	return auth.HashPassword(p, auth.Params{Memory: 1024, Time: 1, Threads: 1})
}

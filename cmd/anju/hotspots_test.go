package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var hotspotSummary = regexp.MustCompile(`^clusters=([0-9]+) messages=([0-9]+) seconds=([0-9.]+)$`)

func TestHotspotsCLI(t *testing.T) {
	csv := "留言编号,留言用户,留言主题,留言时间,留言详情,反对数,点赞数\n" +
		"1,u1,A3区金桂苑小区旁搅拌站噪音扰民,2025-03-01 09:00:00,金桂苑小区旁边的搅拌站日夜生产，噪音很大。,0,3\n" +
		"2,u2,金桂苑小区附近搅拌站噪音粉尘,2025-03-02 09:00:00,A3区金桂苑小区附近的搅拌站噪音扰民。,0,1\n" +
		"3,u3,A2区人民路路灯不亮,2025-03-03 09:00:00,人民路路灯坏了一周。,0,0\n"
	p := filepath.Join(t.TempDir(), "m.csv")
	if err := os.WriteFile(p, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "hotspots", "--csv", p, "--top", "5")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	m := hotspotSummary.FindStringSubmatch(lines[len(lines)-1])
	if m == nil || m[1] != "1" || m[2] != "3" {
		t.Fatalf("output:\n%s", out)
	}
	if !strings.Contains(out, "金桂苑小区") || !strings.Contains(out, "留言 2  用户 2  点赞 4") {
		t.Errorf("output:\n%s", out)
	}
	for _, args := range [][]string{{"hotspots"}, {"hotspots", "--csv", p, "--top", "0"}, {"hotspots", "--csv", p, "--window", "-1h"}, {"hotspots", "--csv", p, "extra"}} {
		if _, err := runCLI(t, args...); exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
	if _, err := runCLI(t, "hotspots", "--csv", filepath.Join(t.TempDir(), "missing.csv")); exitCode(err) != 1 {
		t.Errorf("missing file: %v", err)
	}
}

// TestHotspotsCLIRealData runs the command on the A市 message board, which
// lives outside the repository (it has no open licence).
func TestHotspotsCLIRealData(t *testing.T) {
	p := filepath.Join("..", "..", "..", "shared", "data", "hotspot_messages.csv")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data missing (CI=true): %v", err)
		}
		t.Skipf("shared data %s not present; skipping (set CI=true to make this fail)", p)
	}
	out, err := runCLI(t, "hotspots", "--csv", p, "--top", "5")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Log("\n" + out)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	m := hotspotSummary.FindStringSubmatch(lines[len(lines)-1])
	if m == nil || m[2] != "4311" || len(lines) != 11 {
		t.Fatalf("output:\n%s", out)
	}
	if n, _ := strconv.Atoi(m[1]); n < 100 {
		t.Errorf("only %d clusters", n)
	}
}

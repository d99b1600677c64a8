package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
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

// TestHotspotsCLIJSON: --json prints every group, whatever --top says,
// each message in one group at most, with its place or group, span, counts
// and heat.
func TestHotspotsCLIJSON(t *testing.T) {
	csv := "留言编号,留言用户,留言主题,留言时间,留言详情,反对数,点赞数\n" +
		"1,u1,A3区金桂苑小区旁搅拌站噪音扰民,2025-03-01 09:00:00,金桂苑小区旁边的搅拌站日夜生产，噪音很大。,0,3\n" +
		"2,u2,金桂苑小区附近搅拌站噪音粉尘,2025-03-02 09:00:00,A3区金桂苑小区附近的搅拌站噪音扰民。,0,1\n" +
		"3,u3,A市退休教师教龄补贴何时发放,2025-03-03 09:00:00,退休教师的教龄补贴一直没有发放。,0,0\n" +
		"4,u4,请尽快发放退休教师教龄补贴,2025-03-10 09:00:00,A市退休教师教龄补贴拖了半年还没发放。,1,5\n" +
		"5,u5,A2区人民路路灯不亮,2025-03-03 09:00:00,人民路路灯坏了一周。,0,0\n"
	p := filepath.Join(t.TempDir(), "m.csv")
	if err := os.WriteFile(p, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "hotspots", "--csv", p, "--top", "1", "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var got struct {
		Messages int     `json:"messages"`
		Clusters int     `json:"clusters"`
		Seconds  float64 `json:"seconds"`
		Hotspots []struct {
			ID         int       `json:"id"`
			Name       string    `json:"name"`
			Basis      string    `json:"basis"`
			Place      string    `json:"place"`
			Group      string    `json:"group"`
			Problem    string    `json:"problem"`
			MessageIDs []int64   `json:"message_ids"`
			First      time.Time `json:"first"`
			Last       time.Time `json:"last"`
			Messages   int       `json:"messages"`
			Users      int       `json:"users"`
			Likes      int       `json:"likes"`
			Dislikes   int       `json:"dislikes"`
			Heat       float64   `json:"heat"`
		} `json:"hotspots"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.Messages != 5 || got.Clusters != 2 || len(got.Hotspots) != 2 {
		t.Fatalf("want 2 groups of 5 messages (--top does not apply), got:\n%s", out)
	}
	seen := map[int64]int{}
	bases := map[string]bool{}
	for i, h := range got.Hotspots {
		if h.ID != i+1 || h.Name == "" || h.Problem == "" || h.Name != map[bool]string{true: h.Group, false: h.Place}[h.Basis == "group" && h.Group != ""]+"："+h.Problem ||
			(h.Basis != "place" && h.Basis != "group") || h.Place == "" || h.Messages != len(h.MessageIDs) || h.Users < 1 ||
			h.First.IsZero() || h.Last.Before(h.First) || h.Heat <= 0 {
			t.Errorf("group %d: %+v", i+1, h)
		}
		if i > 0 && h.Heat > got.Hotspots[i-1].Heat {
			t.Errorf("group %d is hotter than group %d", i+1, i)
		}
		for _, id := range h.MessageIDs {
			if j, dup := seen[id]; dup {
				t.Errorf("message %d in groups %d and %d", id, j, h.ID)
			}
			seen[id] = h.ID
		}
		bases[h.Basis] = true
	}
	if !bases["place"] || !bases["group"] {
		t.Errorf("want a place group (金桂苑) and a people group (退休教师), got:\n%s", out)
	}
	for _, h := range got.Hotspots {
		switch {
		case h.Basis == "place" && (!strings.Contains(h.Place, "金桂苑") || h.Likes != 4 || h.Messages != 2):
			t.Errorf("place group: %+v", h)
		case h.Basis == "group" && (h.Group != "退休教师" || !strings.HasPrefix(h.Name, "退休教师：") || h.Likes != 5 || h.Dislikes != 1):
			t.Errorf("people group: %+v", h)
		}
	}
	if strings.Contains(out, "clusters=") {
		t.Errorf("--json printed the summary line:\n%s", out)
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

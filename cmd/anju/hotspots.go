package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"anju/internal/textai"
)

func init() {
	register(command{
		name:    "hotspots",
		summary: "find the hottest problems (热点问题) in a CSV of messages",
		usage: `
Usage:
  anju hotspots --csv FILE [--top 20] [--window 720h] [--json]

The CSV has a header row with the columns 留言编号, 留言用户, 留言主题, 留言时间,
留言详情, 反对数, 点赞数 (or id, user, title, time, detail, dislikes, likes).
Messages about the same problem at the same place are grouped (a message joins
a group whose latest message is at most --window older), and so are messages
that name no place about the same problem of a class of people or the same
topic across the city (教师待遇, 58车贷案); each group is named "place or
group：problem". The top groups are printed by heat index with their place,
time span, number of messages, distinct reporters, likes and dislikes.
Reporters are only counted. The last line is
  clusters=… messages=… seconds=…
where clusters counts the groups of two messages or more and seconds is the
clustering time, reading excluded.

With --json, one JSON object is printed instead: messages, clusters, seconds
and hotspots, every group of two messages or more (--top does not apply),
hottest first, each with id (its rank), name, basis ("place" or "group"),
place, group, problem, keywords, message_ids, first and last (RFC 3339),
messages, users, likes, dislikes and heat.`,
		run: runHotspots,
	})
}

func runHotspots(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("hotspots", env)
	csvPath := fs.String("csv", "", "messages to analyse")
	top := fs.Int("top", 20, "how many problems to print")
	window := fs.Duration("window", 720*time.Hour, "longest gap between messages of one problem")
	asJSON := fs.Bool("json", false, "print every group as JSON")
	if err := parseArgs(fs, args, false); err != nil {
		return err
	}
	if *csvPath == "" {
		return usageError("hotspots needs --csv FILE")
	}
	if *top <= 0 {
		return usageError("--top must be positive, not %d", *top)
	}
	if *window <= 0 {
		return usageError("--window must be positive, not %v", *window)
	}
	f, err := os.Open(*csvPath)
	if err != nil {
		return err
	}
	reports, err := textai.ReadHotspotCSV(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *csvPath, err)
	}
	if err := textai.LoadSegmenter(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	all := textai.Hotspots(reports, textai.HotspotOptions{Window: *window})
	seconds := time.Since(start).Seconds()
	w := env.stdout
	if *asJSON {
		return writeHotspotsJSON(w, all, len(reports), seconds)
	}
	for i, h := range all[:min(*top, len(all))] {
		fmt.Fprintf(w, "%2d. %s\n    地点 %s  时间 %s 至 %s  留言 %d  用户 %d  点赞 %d  反对 %d  热度 %.2f\n",
			i+1, h.Name, h.Place, h.From.Format("2006-01-02"), h.To.Format("2006-01-02"),
			len(h.Reports), h.Users, h.Likes, h.Dislikes, h.Heat)
	}
	fmt.Fprintf(w, "clusters=%d messages=%d seconds=%.3f\n", len(all), len(reports), seconds)
	return nil
}

// hotspotJSON is one group in the output of --json.
type hotspotJSON struct {
	ID         int       `json:"id"`
	Name       string    `json:"name"`
	Basis      string    `json:"basis"`
	Place      string    `json:"place"`
	Group      string    `json:"group"`
	Problem    string    `json:"problem"`
	Keywords   []string  `json:"keywords"`
	MessageIDs []int64   `json:"message_ids"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	Messages   int       `json:"messages"`
	Users      int       `json:"users"`
	Likes      int       `json:"likes"`
	Dislikes   int       `json:"dislikes"`
	Heat       float64   `json:"heat"`
}

func writeHotspotsJSON(w io.Writer, all []textai.Hotspot, messages int, seconds float64) error {
	out := struct {
		Messages int           `json:"messages"`
		Clusters int           `json:"clusters"`
		Seconds  float64       `json:"seconds"`
		Hotspots []hotspotJSON `json:"hotspots"`
	}{messages, len(all), math.Round(seconds*1000) / 1000, make([]hotspotJSON, len(all))}
	for i, h := range all {
		out.Hotspots[i] = hotspotJSON{ID: i + 1, Name: h.Name, Basis: h.Basis, Place: h.Place, Group: h.Group,
			Problem: h.Problem, Keywords: h.Keywords, MessageIDs: h.Reports, First: h.From, Last: h.To,
			Messages: len(h.Reports), Users: h.Users, Likes: h.Likes, Dislikes: h.Dislikes, Heat: math.Round(h.Heat*1000) / 1000}
		if out.Hotspots[i].Keywords == nil {
			out.Hotspots[i].Keywords = []string{}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

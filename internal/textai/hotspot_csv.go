package textai

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// chinaTime is China Standard Time (UTC+8, no daylight saving), the zone
// the message-board timestamps are written in.
var chinaTime = time.FixedZone("CST", 8*3600)

// hotspotColumns maps header names, Chinese as on the message board or
// English, to HotspotReport fields.
var hotspotColumns = map[string]string{
	"留言编号": "id", "id": "id",
	"留言用户": "user", "user": "user",
	"留言主题": "title", "title": "title",
	"留言时间": "time", "time": "time",
	"留言详情": "detail", "detail": "detail",
	"反对数": "dislikes", "dislikes": "dislikes",
	"点赞数": "likes", "likes": "likes",
}

// ReadHotspotCSV reads messages from UTF-8 CSV with a header row naming the
// columns 留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 反对数, 点赞数 (or
// id, user, title, time, detail, dislikes, likes). id, title and time are
// required; times are "2006-01-02 15:04:05" in China Standard Time.
func ReadHotspotCSV(r io.Reader) ([]HotspotReport, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("textai: CSV is empty")
	}
	if err != nil {
		return nil, fmt.Errorf("textai: read CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if f, ok := hotspotColumns[h]; ok {
			col[f] = i
		}
	}
	for _, need := range []string{"id", "title", "time"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("textai: CSV header %q needs columns 留言编号, 留言主题 and 留言时间", strings.Join(header, ","))
		}
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []HotspotReport
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("textai: read CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		id, err := strconv.ParseInt(field(rec, "id"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("textai: CSV line %d: bad 留言编号 %q", line, field(rec, "id"))
		}
		at, err := parseBoardTime(field(rec, "time"))
		if err != nil {
			return nil, fmt.Errorf("textai: CSV line %d: bad 留言时间 %q", line, field(rec, "time"))
		}
		hr := HotspotReport{ID: id, User: field(rec, "user"), Title: field(rec, "title"), Text: field(rec, "detail"), At: at}
		for _, c := range []struct {
			name string
			dst  *int
		}{{"likes", &hr.Likes}, {"dislikes", &hr.Dislikes}} {
			if s := field(rec, c.name); s != "" {
				n, err := strconv.Atoi(s)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("textai: CSV line %d: bad %s %q", line, c.name, s)
				}
				*c.dst = n
			}
		}
		out = append(out, hr)
	}
	return out, nil
}

func parseBoardTime(s string) (time.Time, error) {
	var err error
	for _, layout := range []string{"2006-01-02 15:04:05", "2006/1/2 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04", time.RFC3339} {
		var t time.Time
		if t, err = time.ParseInLocation(layout, s, chinaTime); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

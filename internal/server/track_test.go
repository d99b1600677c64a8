package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"anju/internal/store/storetest"
)

// TestTrackMerged: the tracking page of a report merged into another shows
// that it was merged and the other's progress, never the other's tracking
// code (which opens its page) nor its words.
func TestTrackMerged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		var master, dup struct {
			ID           int64  `json:"id"`
			TrackingCode string `json:"tracking_code"`
		}
		_, body := f.post("operator", "/api/v1/cases", `{"title":"王阿姨家门口路灯坏了","text":"幸福路3号楼王阿姨家门口的路灯坏了","category":"0101","lat":30.05,"lon":120.02}`, nil)
		json.Unmarshal([]byte(body), &master)
		_, body = f.post("operator", "/api/v1/cases", `{"title":"路灯不亮","text":"幸福路路灯晚上不亮","category":"0101","lat":30.05,"lon":120.02}`, nil)
		json.Unmarshal([]byte(body), &dup)
		if status, body := f.post("operator", "/api/v1/cases/"+itoa(dup.ID)+"/actions/merge", `{"target":`+itoa(master.ID)+`}`, nil); status != 200 {
			t.Fatalf("merge: %d %s", status, body)
		}
		if status, body := f.post("operator", "/api/v1/cases/"+itoa(master.ID)+"/actions/accept", `{"note":"已派人联系王阿姨"}`, nil); status != 200 {
			t.Fatalf("accept: %d %s", status, body)
		}
		status, track := f.do("", "GET", "/api/v1/track/"+dup.TrackingCode, "")
		if status != 200 || !strings.Contains(track, `"merged":true`) || !strings.Contains(track, `"state":"accepted"`) || !strings.Contains(track, "merged into another report") {
			t.Fatalf("tracking page of the merged report: %d %s", status, track)
		}
		for _, secret := range []string{master.TrackingCode, master.TrackingCode[:4] + "-" + master.TrackingCode[4:8] + "-" + master.TrackingCode[8:], "王阿姨", "3号楼"} {
			if strings.Contains(track, secret) {
				t.Errorf("the tracking page of the merged report shows %q: %s", secret, track)
			}
		}
	})
}

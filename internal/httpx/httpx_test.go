package httpx

import (
	"net/http/httptest"
	"testing"

	"anju/internal/anju"
)

func TestQueryReportsFirstBadField(t *testing.T) {
	r := httptest.NewRequest("GET", "/x?page=0&before=abc&overdue=yes&from=2026-13-01&lat=91&sort=new", nil)
	q := NewQuery(r)
	if got := q.Int("page", 1, 1, 1000); got != 1 {
		t.Errorf("bad page gave %d, want the default", got)
	}
	q.ID("before")
	q.Bool("overdue")
	q.Time("from")
	q.Float("lat", -90, 90)
	q.OneOf("sort", "newest", "deadline")
	if anju.ErrorField(q.Err()) != "page" || anju.ErrorCode(q.Err()) != anju.EINVALID {
		t.Fatalf("first error = %v (field %q), want page", q.Err(), anju.ErrorField(q.Err()))
	}
	for name, bad := range map[string]string{"before": "before=abc", "overdue": "overdue=yes", "from": "from=2026-13-01",
		"lat": "lat=91", "sort": "sort=new"} {
		q := NewQuery(httptest.NewRequest("GET", "/x?"+bad, nil))
		q.ID("before")
		q.Bool("overdue")
		q.Time("from")
		q.Float("lat", -90, 90)
		q.OneOf("sort", "newest", "deadline")
		if anju.ErrorField(q.Err()) != name {
			t.Errorf("%s: error %v", bad, q.Err())
		}
	}
}

func TestQueryGoodValues(t *testing.T) {
	q := NewQuery(httptest.NewRequest("GET", "/x?page=3&before=42&overdue=on&from=2026-03-02&lat=30.25&sort=deadline", nil))
	if q.Int("page", 1, 1, 10) != 3 || q.ID("before") != 42 || !q.Bool("overdue") || q.OneOf("sort", "newest", "deadline") != "deadline" {
		t.Error("values misread")
	}
	if lat, ok := q.Float("lat", -90, 90); !ok || lat != 30.25 {
		t.Errorf("lat = %v %v", lat, ok)
	}
	if from := q.Time("from"); from.UTC().Format("2006-01-02T15") != "2026-03-01T16" {
		t.Errorf("date not read as China Standard Time: %v", from)
	}
	if q.Int("absent", 7, 1, 10) != 7 || q.ID("absent") != 0 || q.Bool("absent") {
		t.Error("absent values not defaulted")
	}
	if q.Err() != nil {
		t.Fatal(q.Err())
	}
}

func TestQueryPositiveAndRequired(t *testing.T) {
	q := NewQuery(httptest.NewRequest("GET", "/x?page=9223372036854775807&lat=30", nil))
	if q.Positive("page", 1) != 9223372036854775807 || q.Positive("absent", 7) != 7 {
		t.Error("positive numbers misread")
	}
	q.Required("lat")
	if q.Err() != nil {
		t.Fatal(q.Err())
	}
	for query, field := range map[string]string{"page=0": "page", "page=-1": "page", "page=x": "page",
		"page=9223372036854775808": "page", "lat=%20": "lat", "": "lat"} {
		q := NewQuery(httptest.NewRequest("GET", "/x?"+query, nil))
		if got := q.Positive("page", 1); got != 1 {
			t.Errorf("%s: page %d, want the default", query, got)
		}
		q.Required("lat")
		if anju.ErrorField(q.Err()) != field || anju.ErrorCode(q.Err()) != anju.EINVALID {
			t.Errorf("%s: error %v, want one on %s", query, q.Err(), field)
		}
	}
}

// Day reads a calendar day as midnight UTC of its date, whatever the zone;
// a day that does not exist names the parameter.
func TestQueryDay(t *testing.T) {
	q := NewQuery(httptest.NewRequest("GET", "/x?due=2026-12-31", nil))
	if d := q.Day("due"); d.Format("2006-01-02T15:04Z07:00") != "2026-12-31T00:00Z" || !q.Day("absent").IsZero() || q.Err() != nil {
		t.Errorf("day %v, %v", d, q.Err())
	}
	q = NewQuery(httptest.NewRequest("GET", "/x?due=2026-02-30", nil))
	if q.Day("due"); anju.ErrorField(q.Err()) != "due" {
		t.Errorf("2026-02-30: %v", q.Err())
	}
}

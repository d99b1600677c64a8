package warning_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"anju/internal/textai"
	"anju/internal/warning"
)

// waterOutage is six residents' own words about one problem.
var waterOutage = [][2]string{
	{"小区停水一整天没有通知", "幸福家园从早上开始停水，到现在也没有通知，做饭都成问题"},
	{"幸福家园停水", "我们小区突然停水，没有任何通知，请尽快恢复供水"},
	{"停水没有通知", "幸福家园小区全天停水，老人孩子用水困难，自来水公司也不接电话"},
	{"小区没有自来水", "幸福家园今天停水到现在，没有提前通知，希望尽快恢复供水"},
	{"突然停水", "幸福家园小区突发停水，物业说不知道原因，请相关部门协调恢复供水"},
	{"停水影响生活", "幸福家园停水大半天了，洗漱做饭都没水，请尽快恢复供水"},
}

var unrelated = [][2]string{
	{"路灯不亮", "和平路路灯坏了三天，晚上很黑"},
	{"工地噪音", "建设路工地半夜施工，噪音扰民"},
	{"垃圾没人清运", "菜市场门口垃圾堆积发臭"},
	{"违章停车", "学校门口车辆乱停堵塞交通"},
	{"井盖丢失", "解放路银行门口井盖不见了"},
}

var clusterNow = time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)

// report is the i-th report (id 100+i), filed ago before clusterNow.
type report struct {
	text   [2]string
	street string
	user   string
	ago    time.Duration
}

func reports(rs ...report) []textai.HotspotReport {
	out := make([]textai.HotspotReport, len(rs))
	for i, r := range rs {
		out[i] = textai.HotspotReport{ID: int64(100 + i), Title: r.text[0], Text: r.text[1], At: clusterNow.Add(-r.ago),
			Place: r.street, User: r.user}
	}
	return out
}

// outage is n reports of the water outage in street A, one every 20
// minutes, from the reporters given (cycled).
func outage(n int, users ...string) []report {
	var out []report
	for i := range n {
		out = append(out, report{waterOutage[i], "A", users[i%len(users)], time.Duration(n-i) * 20 * time.Minute})
	}
	return out
}

var five = []string{"u1", "u2", "u3", "u4", "u5"}

func TestClusters(t *testing.T) {
	p := warning.Policy{ClusterMin: 5, ClusterWindow: 6 * time.Hour}
	for _, tc := range []struct {
		name    string
		reports []report
		raised  map[int64]bool
		want    []int // reporters of each cluster found
	}{
		{"five people, one problem, one street", outage(5, five...), nil, []int{5}},
		{"six reports from five people", outage(6, five...), nil, []int{5}},
		{"one person five times", outage(5, "u1"), nil, nil},
		{"four people", outage(5, "u1", "u2", "u3", "u4"), nil, nil},
		// Anonymous reports count as reports, not as reporters.
		{"five reports, all anonymous", outage(5, ""), nil, nil},
		{"six reports, one anonymous, five known", outage(6, "u1", "u2", "", "u3", "u4", "u5"), nil, []int{5}},
		{"six reports, two anonymous, four known", outage(6, "u1", "", "u2", "", "u3", "u4"), nil, nil},
		{"five people, five problems", func() []report {
			var out []report
			for i, r := range unrelated {
				out = append(out, report{r, "A", five[i], time.Hour})
			}
			return out
		}(), nil, nil},
		{"one problem split over two streets", func() []report {
			rs := outage(5, five...)
			rs[1].street, rs[3].street = "B", "B"
			return rs
		}(), nil, nil},
		{"unrelated reports around the cluster", append(outage(5, five...),
			report{unrelated[0], "A", "u6", time.Hour}, report{unrelated[1], "A", "u7", time.Hour}), nil, []int{5}},
		// The window: reports older than ClusterWindow, or after now, are left out.
		{"one of five reports just outside the window", func() []report {
			rs := outage(5, five...)
			rs[0].ago = 6 * time.Hour
			return rs
		}(), nil, nil},
		{"one of five reports just inside the window", func() []report {
			rs := outage(5, five...)
			rs[0].ago = 6*time.Hour - time.Second
			return rs
		}(), nil, []int{5}},
		{"one of five reports after now", func() []report {
			rs := outage(5, five...)
			rs[4].ago = -time.Minute
			return rs
		}(), nil, nil},
		{"at now is inside", func() []report {
			rs := outage(5, five...)
			rs[4].ago = 0
			return rs
		}(), nil, []int{5}},
		// A cluster mostly raised already is the same cluster again.
		{"three of six raised", outage(6, five...), map[int64]bool{100: true, 101: true, 102: true}, nil},
		{"two of six raised", outage(6, five...), map[int64]bool{100: true, 101: true}, []int{5}},
		{"raised cases elsewhere", outage(5, five...), map[int64]bool{1: true, 2: true, 3: true}, []int{5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			for _, c := range warning.Clusters(reports(tc.reports...), tc.raised, clusterNow, p) {
				got = append(got, c.Reporters)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("clusters with reporters %v, want %v", got, tc.want)
			}
		})
	}
}

func TestClusterFields(t *testing.T) {
	rs := reports(append(outage(5, five...), report{unrelated[0], "A", "u6", time.Hour})...)
	slices.Reverse(rs) // Clusters keeps the order it is given; IDs sorts
	cs := warning.Clusters(rs, nil, clusterNow, warning.Policy{ClusterMin: 5})
	if len(cs) != 1 {
		t.Fatalf("clusters %+v", cs)
	}
	c := cs[0]
	if !slices.Equal(c.IDs(), []int64{100, 101, 102, 103, 104}) {
		t.Errorf("ids %v", c.IDs())
	}
	if want := clusterNow.Add(-100 * time.Minute); !c.From.Equal(want) {
		t.Errorf("from %v, want %v", c.From, want)
	}
	if want := clusterNow.Add(-20 * time.Minute); !c.To.Equal(want) {
		t.Errorf("to %v, want %v", c.To, want)
	}
	if len(c.Keywords) < 3 || !slices.Contains(c.Keywords, "停水") {
		t.Errorf("keywords %v", c.Keywords)
	}
	want := fmt.Sprintf("第1街道：6 小时内 5 位群众反映相似问题（%s、%s、%s），可能为群体性诉求", c.Keywords[0], c.Keywords[1], c.Keywords[2])
	if got := c.Title("第1街道", 6*time.Hour); got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	if got := (warning.Cluster{Reporters: 5, Keywords: []string{"停水"}}).Title("第1街道", 90*time.Minute); got != "第1街道：1.5 小时内 5 位群众反映相似问题（停水），可能为群体性诉求" {
		t.Errorf("title %q", got)
	}
}

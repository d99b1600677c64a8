package store_test

import (
	"context"
	"database/sql"
	"testing"

	"anju/internal/textai"
)

func TestProbe(t *testing.T) {
	db, _ := sql.Open("sqlite", "file:"+t.TempDir()+"/x.db")
	var v string
	db.QueryRow("select sqlite_version()").Scan(&v)
	t.Log(v)
	_, err := db.ExecContext(context.Background(), "CREATE VIRTUAL TABLE f USING fts5(a, b, content='', contentless_delete=1)")
	t.Log(err)
	for _, s := range []string{"路灯不亮", "小区门口的路灯已经坏了三天，晚上很黑", "华园村社区楼下餐馆油烟扰民", "噪音扰民", "中华人民共和国", "西湖区城市管理局", "城市管理局", "第1街道办"} {
		t.Logf("%s → %q", s, textai.Segment(s))
	}
	textai.AddWords([]string{"华园村", "西湖区城市管理局"})
	for _, s := range []string{"华园村社区楼下餐馆油烟扰民", "西湖区城市管理局", "华园村"} {
		t.Logf("%s → %q", s, textai.Segment(s))
	}
}

package textai

import (
	"strings"
	"testing"
)

// FuzzReadExamplesCSV feeds arbitrary bytes to the training-data reader: it
// must never panic, and what it accepts must hold a label on every example
// (the classifier cannot learn from an unlabelled row).
func FuzzReadExamplesCSV(f *testing.F) {
	for _, s := range []string{
		"\ufeffid,title,detail,label\n1,标题,\"正文,有逗号\",城乡建设\n",
		"id,title,label\n1,标题,教育文体\n2,路灯不亮,城乡建设\n",
		"title,label\n\"多行\n标题\",劳动和社会保障\n",
		"id,title,detail,label\n1,a,b\n",
		"id,text\n1,a\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ex, err := ReadExamplesCSV(strings.NewReader(string(data)))
		if err != nil {
			if ex != nil {
				t.Fatalf("error %v with %d examples", err, len(ex))
			}
			return
		}
		for i, e := range ex {
			if e.Label == "" {
				t.Fatalf("example %d accepted without a label: %+v", i, e)
			}
		}
	})
}

// FuzzReadHotspotCSV feeds arbitrary bytes to the message-board reader: no
// panic, and what it accepts has the required fields parsed.
func FuzzReadHotspotCSV(f *testing.F) {
	for _, s := range []string{
		"\ufeff留言编号,留言用户,留言主题,留言时间,留言详情,反对数,点赞数\n7,U1,标题,2019-02-28 11:25:05,\"正文,逗号\",1,12\n",
		"id,user,title,time,detail,dislikes,likes\n1,u,路灯,2019/1/2 08:00,灯坏了,0,3\n2,u,噪音,2019-01-02T08:00:00+08:00,,,\n",
		"留言编号,留言主题,留言时间\nx,t,2019-01-01 00:00:00\n",
		"留言编号,留言主题,留言时间,点赞数\n1,t,2019-01-01 00:00:00,-3\n",
		"a,b\n1,2\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := ReadHotspotCSV(strings.NewReader(string(data)))
		if err != nil {
			if rs != nil {
				t.Fatalf("error %v with %d reports", err, len(rs))
			}
			return
		}
		for i, r := range rs {
			if r.At.IsZero() || r.Likes < 0 || r.Dislikes < 0 {
				t.Fatalf("report %d accepted with a bad field: %+v", i, r)
			}
		}
	})
}

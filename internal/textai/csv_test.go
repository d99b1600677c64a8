package textai

import (
	"strings"
	"testing"
)

func TestReadExamplesCSV(t *testing.T) {
	ex, err := ReadExamplesCSV(strings.NewReader("\ufeffid,title,detail,label\n1,标题,\"正文,有逗号\",城乡建设\n"))
	if err != nil || len(ex) != 1 || ex[0] != (Example{Title: "标题", Detail: "正文,有逗号", Label: "城乡建设"}) {
		t.Fatalf("got %+v, %v", ex, err)
	}
	ex, err = ReadExamplesCSV(strings.NewReader("id,title,label\n1,标题,教育文体\n"))
	if err != nil || len(ex) != 1 || ex[0].Detail != "" || ex[0].Label != "教育文体" {
		t.Fatalf("got %+v, %v", ex, err)
	}
	for _, bad := range []string{"", "id,text\n1,a\n", "id,title,label\n1,a,\n"} {
		if _, err := ReadExamplesCSV(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadExamplesCSV(%q) succeeded", bad)
		}
	}
}

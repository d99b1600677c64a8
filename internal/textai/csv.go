package textai

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadExamplesCSV reads labelled messages from UTF-8 CSV with a header row
// naming the columns: title and label are required, detail is optional and
// any other column (such as id) is ignored. This accepts both
// "id,title,detail,label" and "id,title,label".
func ReadExamplesCSV(r io.Reader) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("textai: CSV is empty")
	}
	if err != nil {
		return nil, fmt.Errorf("textai: read CSV header: %w", err)
	}
	title, detail, label := -1, -1, -1
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "title":
			title = i
		case "detail":
			detail = i
		case "label":
			label = i
		}
	}
	if title < 0 || label < 0 {
		return nil, fmt.Errorf("textai: CSV header %q needs columns title and label", strings.Join(header, ","))
	}
	var out []Example
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("textai: read CSV: %w", err)
		}
		ex := Example{Title: strings.TrimSpace(rec[title]), Label: strings.TrimSpace(rec[label])}
		if detail >= 0 {
			ex.Detail = strings.TrimSpace(rec[detail])
		}
		if ex.Label == "" {
			line, _ := cr.FieldPos(label)
			return nil, fmt.Errorf("textai: CSV line %d has no label", line)
		}
		out = append(out, ex)
	}
	return out, nil
}

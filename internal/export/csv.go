package export

import (
	"encoding/csv"
	"io"
)

// bom is UTF-8's byte order mark: Excel reads a CSV file as UTF-8 only
// when it begins with it, and as the system's code page (GBK on a Chinese
// Windows) otherwise, which garbles every Chinese name.
const bom = "\uFEFF"

// csvWriter writes RFC 4180 CSV (encoding/csv; CRLF line ends, which Excel
// expects) after the BOM.
type csvWriter struct {
	out    *touchWriter
	w      *csv.Writer
	header []string
	rec    []string
}

func newCSV(w io.Writer, header []string) *csvWriter {
	out := &touchWriter{w: w}
	cw := csv.NewWriter(out)
	cw.UseCRLF = true
	return &csvWriter{out: out, w: cw, header: header, rec: make([]string, len(header))}
}

func (c *csvWriter) begin() error {
	if _, err := io.WriteString(c.out, bom); err != nil {
		return err
	}
	for i, h := range c.header {
		c.rec[i] = Neutralise(h)
	}
	return c.w.Write(c.rec)
}

func (c *csvWriter) row(r []any) error {
	for i, v := range r {
		v, err := cell(v)
		if err != nil {
			return err
		}
		c.rec[i] = text(v)
	}
	// csv.Writer buffers 4 KB and writes on when full: rows go out as
	// they come without a flush each.
	return c.w.Write(c.rec)
}

func (c *csvWriter) end() error {
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) abort() {}

func (c *csvWriter) wrote() bool { return c.out.touched }

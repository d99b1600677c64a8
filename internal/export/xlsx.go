package export

import (
	"archive/zip"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// The workbook is written with excelize's StreamWriter, which keeps at
// most 16 MB of a sheet's XML in memory and the rest in a temporary file;
// the finished workbook is zipped straight into the destination (see end)
// rather than into memory first, as excelize's own Write does.

// sampleRows are the rows the column widths are measured on: widths must
// be set before the first row is written.
const sampleRows = 100

// Column widths, in characters of the default font: a CJK character is
// two.
const (
	minWidth  = 6
	maxWidth  = 60
	timeWidth = 17
)

// rowsPerSheet is what one sheet holds below its header; a longer table
// goes on in another sheet under the same header.
const rowsPerSheet = excelize.TotalRows - 1

type xlsxWriter struct {
	out    *touchWriter
	f      *excelize.File
	sw     *excelize.StreamWriter
	header []string
	widths []float64

	sample  [][]any // the first rows, until the widths are set
	sheets  int
	rowNum  int // the last row written in the current sheet
	bold    int // style ids
	minutes int
	cells   []any
}

func newXLSX(w io.Writer, header []string) (*xlsxWriter, error) {
	f := excelize.NewFile()
	x := &xlsxWriter{out: &touchWriter{w: w}, f: f, header: header, widths: make([]float64, len(header)),
		cells: make([]any, len(header))}
	var err error
	if x.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		f.Close()
		return nil, err
	}
	layout := "yyyy-mm-dd hh:mm"
	if x.minutes, err = f.NewStyle(&excelize.Style{CustomNumFmt: &layout}); err != nil {
		f.Close()
		return nil, err
	}
	for i, h := range header {
		x.widths[i] = displayWidth(h)
	}
	return x, nil
}

func (x *xlsxWriter) begin() error { return nil }

func (x *xlsxWriter) row(r []any) error {
	if x.sample != nil || x.sheets == 0 {
		kept := make([]any, len(r))
		for i, v := range r {
			v, err := cell(v)
			if err != nil {
				return err
			}
			kept[i] = v
			x.widths[i] = max(x.widths[i], cellWidth(v))
		}
		x.sample = append(x.sample, kept)
		if len(x.sample) < sampleRows {
			return nil
		}
		return x.flushSample()
	}
	for i, v := range r {
		v, err := cell(v)
		if err != nil {
			return err
		}
		x.cells[i] = x.xlsxCell(v)
	}
	return x.writeRow(x.cells)
}

// flushSample starts the first sheet, now that the widths are known, and
// writes the rows held for measuring.
func (x *xlsxWriter) flushSample() error {
	sample := x.sample
	x.sample = nil
	if err := x.newSheet(); err != nil {
		return err
	}
	for _, r := range sample {
		for i, v := range r {
			x.cells[i] = x.xlsxCell(v)
		}
		if err := x.writeRow(x.cells); err != nil {
			return err
		}
	}
	return nil
}

// newSheet finishes the current sheet, if any, and starts the next with
// the header: bold, frozen above the rows.
func (x *xlsxWriter) newSheet() error {
	if x.sw != nil {
		if err := x.sw.Flush(); err != nil {
			return err
		}
	}
	x.sheets++
	name := "Sheet" + strconv.Itoa(x.sheets)
	if x.sheets > 1 {
		if _, err := x.f.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	x.sw, x.rowNum = sw, 0
	for i, w := range x.widths {
		if err := sw.SetColWidth(i+1, i+1, min(max(w+2, minWidth), maxWidth)); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	head := make([]any, len(x.header))
	for i, h := range x.header {
		head[i] = excelize.Cell{StyleID: x.bold, Value: Neutralise(h)}
	}
	return x.setRow(head)
}

func (x *xlsxWriter) writeRow(cells []any) error {
	if x.rowNum > rowsPerSheet {
		if err := x.newSheet(); err != nil {
			return err
		}
	}
	return x.setRow(cells)
}

func (x *xlsxWriter) setRow(cells []any) error {
	x.rowNum++
	ref, err := excelize.CoordinatesToCellName(1, x.rowNum)
	if err != nil {
		return err
	}
	return x.sw.SetRow(ref, cells)
}

// xlsxCell types a cell: text neutralised, numbers as numbers, times as
// dates to the minute.
func (x *xlsxWriter) xlsxCell(v any) any {
	switch v := v.(type) {
	case string:
		return Neutralise(v)
	case time.Time:
		return excelize.Cell{StyleID: x.minutes, Value: v}
	case orb.Geometry:
		return wkt.MarshalString(v)
	}
	return v
}

// end writes the workbook. excelize zips through the writer its
// ZipWriter function makes; made over the destination, the zip goes out
// as it is made, and the buffer excelize's Write fills stays empty.
func (x *xlsxWriter) end() error {
	defer x.f.Close()
	if x.sheets == 0 {
		if err := x.flushSample(); err != nil {
			return err
		}
	}
	if err := x.sw.Flush(); err != nil {
		return err
	}
	x.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(x.out) })
	return x.f.Write(x.out)
}

func (x *xlsxWriter) abort() { x.f.Close() }

func (x *xlsxWriter) wrote() bool { return x.out.touched }

// cellWidth is how wide a cell shows.
func cellWidth(v any) float64 {
	switch v := v.(type) {
	case nil:
		return 0
	case time.Time:
		return timeWidth
	case string:
		return displayWidth(v)
	}
	return displayWidth(text(v))
}

// displayWidth counts a wide (CJK) character as two.
func displayWidth(s string) float64 {
	n := 0
	for len(s) > 0 && n < maxWidth {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return float64(n)
}

package textai

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// The model file is:
//
//	"ANJUTXTC"                  8-byte magic
//	version                     uint32, little endian (modelVersion)
//	header length, header       uvarint, then JSON (modelHeader)
//	body                        DEFLATE stream of, for each bucket with a
//	                            non-zero IDF in ascending order: the gap to
//	                            the previous bucket (uvarint), the IDF and
//	                            one weight per label, each an int16 to be
//	                            multiplied by its scale in the header.
//
// Only buckets seen in at least MinDF training messages are stored, which
// keeps a model of a few megabytes that a server can keep in a database row.
// A reader refuses versions it does not know.
const (
	modelMagic   = "ANJUTXTC"
	modelVersion = 1
)

type modelHeader struct {
	Labels      []string       `json:"labels"`
	Features    FeatureOptions `json:"features"`
	Temperature float64        `json:"temperature"`
	Bias        []float32      `json:"bias"`
	IDFScale    float32        `json:"idf_scale"`
	WeightScale []float32      `json:"weight_scale"` // per label
	Rows        int            `json:"rows"`
	Evaluation  *Evaluation    `json:"evaluation,omitempty"`
}

// quantize rounds the IDF table and the weights to the 16-bit steps the
// model file stores, so that a model predicts exactly the same before saving
// and after loading. Train calls it once; the model is read-only after.
func (c *Classifier) quantize() {
	k := len(c.labels)
	var maxIDF float32
	maxW := make([]float32, k)
	for j := 0; j < len(c.rows); j += c.stride {
		maxIDF = max(maxIDF, c.rows[j])
		for l := range k {
			maxW[l] = max(maxW[l], float32(math.Abs(float64(c.rows[j+1+l]))))
		}
	}
	idfScale := scaleFor(maxIDF)
	wScale := make([]float32, k)
	for l := range k {
		wScale[l] = scaleFor(maxW[l])
	}
	for j := 0; j < len(c.rows); j += c.stride {
		if c.rows[j] == 0 {
			// A bucket without IDF is never read; drop its weights.
			clear(c.rows[j : j+c.stride])
			continue
		}
		c.rows[j] = float32(q16(c.rows[j], idfScale)) * idfScale
		for l := range k {
			c.rows[j+1+l] = float32(q16(c.rows[j+1+l], wScale[l])) * wScale[l]
		}
	}
	c.idfScale, c.wScale = idfScale, wScale
}

func scaleFor(m float32) float32 {
	if m == 0 {
		return 1
	}
	return m / math.MaxInt16
}

func q16(v, scale float32) int16 {
	return int16(math.Round(float64(v / scale)))
}

// Save writes the model in the versioned binary format described above.
func (c *Classifier) Save(w io.Writer) error {
	idfScale, wScale := c.idfScale, c.wScale
	h := modelHeader{
		Labels: c.labels, Features: c.opts, Temperature: c.temperature, Bias: c.bias,
		IDFScale: idfScale, WeightScale: wScale, Evaluation: c.eval,
	}
	for j := 0; j < len(c.rows); j += c.stride {
		if c.rows[j] != 0 {
			h.Rows++
		}
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("textai: encode model header: %w", err)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(modelMagic)
	binary.Write(bw, binary.LittleEndian, uint32(modelVersion))
	bw.Write(binary.AppendUvarint(nil, uint64(len(hj))))
	bw.Write(hj)
	fw, _ := flate.NewWriter(bw, flate.BestCompression)
	buf := make([]byte, 0, 64)
	prev := 0
	for j := 0; j < len(c.rows); j += c.stride {
		if c.rows[j] == 0 {
			continue
		}
		b := j / c.stride
		buf = binary.AppendUvarint(buf[:0], uint64(b-prev))
		prev = b
		buf = binary.LittleEndian.AppendUint16(buf, uint16(q16(c.rows[j], idfScale)))
		for l := range len(c.labels) {
			buf = binary.LittleEndian.AppendUint16(buf, uint16(q16(c.rows[j+1+l], wScale[l])))
		}
		if _, err := fw.Write(buf); err != nil {
			return fmt.Errorf("textai: write model: %w", err)
		}
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("textai: write model: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("textai: write model: %w", err)
	}
	return nil
}

// ErrBadModel is returned by Load for data that is not a model this version
// of Anju can read.
var ErrBadModel = errors.New("textai: not a readable text classifier model")

// Load reads a model written by Save. It returns an error wrapping ErrBadModel
// if the data is not a model or has a version this code does not know.
func Load(r io.Reader) (*Classifier, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, len(modelMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != modelMagic {
		return nil, fmt.Errorf("%w: bad magic", ErrBadModel)
	}
	var version uint32
	if err := binary.Read(br, binary.LittleEndian, &version); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	if version != modelVersion {
		return nil, fmt.Errorf("%w: format version %d, this build reads %d", ErrBadModel, version, modelVersion)
	}
	n, err := binary.ReadUvarint(br)
	if err != nil || n > 1<<24 {
		return nil, fmt.Errorf("%w: bad header length", ErrBadModel)
	}
	hj := make([]byte, n)
	if _, err := io.ReadFull(br, hj); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	var h modelHeader
	if err := json.NewDecoder(bytes.NewReader(hj)).Decode(&h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrBadModel, err)
	}
	k := len(h.Labels)
	if k < 2 || len(h.Bias) != k || len(h.WeightScale) != k || !(h.Temperature > 0) {
		return nil, fmt.Errorf("%w: inconsistent header", ErrBadModel)
	}
	if err := (TrainOptions{Features: h.Features, C: 1, MaxEpochs: 1}).validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	c := &Classifier{
		labels: h.Labels, opts: h.Features, stride: k + 1, bias: h.Bias,
		temperature: h.Temperature, eval: h.Evaluation,
		idfScale: h.IDFScale, wScale: h.WeightScale,
	}
	dim := 1 << h.Features.HashBits
	if h.Rows < 0 || h.Rows > dim {
		return nil, fmt.Errorf("%w: %d rows for %d buckets", ErrBadModel, h.Rows, dim)
	}
	c.rows = make([]float32, dim*c.stride)
	fr := bufio.NewReader(flate.NewReader(br))
	vals := make([]byte, 2*c.stride)
	b := 0
	for i := 0; i < h.Rows; i++ {
		gap, err := binary.ReadUvarint(fr)
		if err != nil {
			return nil, fmt.Errorf("%w: row %d: %v", ErrBadModel, i, err)
		}
		b += int(gap)
		if gap > uint64(dim) || b >= dim || (i > 0 && gap == 0) {
			return nil, fmt.Errorf("%w: row %d: bucket out of range", ErrBadModel, i)
		}
		if _, err := io.ReadFull(fr, vals); err != nil {
			return nil, fmt.Errorf("%w: row %d: %v", ErrBadModel, i, err)
		}
		row := c.rows[b*c.stride : (b+1)*c.stride]
		row[0] = float32(int16(binary.LittleEndian.Uint16(vals))) * h.IDFScale
		for l := range k {
			row[1+l] = float32(int16(binary.LittleEndian.Uint16(vals[2+2*l:]))) * h.WeightScale[l]
		}
	}
	return c, nil
}

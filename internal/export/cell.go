package export

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
)

// cell reduces a cell to one of: nil, string, int64, uint64, float64, bool,
// time.Time or orb.Geometry.
func cell(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return v, nil
	case time.Time:
		return timeCell(v), nil
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int64:
		return v, nil
	case uint32:
		return int64(v), nil
	case uint64:
		return v, nil
	case float32:
		return floatCell(float64(v)), nil
	case float64:
		return floatCell(v), nil
	case bool:
		return v, nil
	case orb.Geometry:
		return v, nil
	case *string:
		if v == nil {
			return nil, nil
		}
		return *v, nil
	case *int64:
		if v == nil {
			return nil, nil
		}
		return *v, nil
	case *float64:
		if v == nil {
			return nil, nil
		}
		return floatCell(*v), nil
	case *time.Time:
		if v == nil {
			return nil, nil
		}
		return timeCell(*v), nil
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String(), nil
	}
	// A named string type (a state, a code) is its text.
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
		return rv.String(), nil
	}
	return nil, fmt.Errorf("%w: %T", errRowType, v)
}

func timeCell(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// floatCell leaves out what no format can hold.
func floatCell(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

// timeLayout is how a time is written as text: the minute, as the pages
// show it.
const timeLayout = "2006-01-02 15:04"

// text is a cell as CSV writes it, text neutralised.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return Neutralise(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.Format(timeLayout)
	case orb.Geometry:
		return wkt.MarshalString(v)
	}
	return ""
}

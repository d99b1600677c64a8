package storetest

import (
	"fmt"

	"github.com/paulmach/orb"

	"anju/internal/region"
)

// Rect is a closed rectangle polygon.
func Rect(minLon, minLat, maxLon, maxLat float64) orb.Polygon {
	return orb.Polygon{{{minLon, minLat}, {maxLon, minLat}, {maxLon, maxLat}, {minLon, maxLat}, {minLon, minLat}}}
}

// SmallCity is a city of two districts, each with one street, one community
// and two grids side by side: district A spans lon 120.0–120.1, B 120.1–120.2,
// both lat 30.0–30.1.
func SmallCity() []region.Region {
	var rs []region.Region
	rs = append(rs, region.Region{Code: "330100", Name: "测试市", Level: region.LevelCity, Geometry: Rect(120.0, 30.0, 120.2, 30.1)})
	for i, d := range []string{"330102", "330105"} {
		lon := 120.0 + 0.1*float64(i)
		street, comm := d+"001", d+"001001"
		rs = append(rs,
			region.Region{Code: d, Name: fmt.Sprintf("第%d区", i+1), Level: region.LevelDistrict, Parent: "330100", Geometry: Rect(lon, 30.0, lon+0.1, 30.1)},
			region.Region{Code: street, Name: fmt.Sprintf("第%d街道", i+1), Level: region.LevelStreet, Parent: d},
			region.Region{Code: comm, Name: fmt.Sprintf("第%d社区", i+1), Level: region.LevelCommunity, Parent: street},
			region.Region{Code: comm + "001", Name: "第一网格", Level: region.LevelGrid, Parent: comm, Geometry: Rect(lon, 30.0, lon+0.05, 30.1)},
			region.Region{Code: comm + "002", Name: "第二网格", Level: region.LevelGrid, Parent: comm, Geometry: Rect(lon+0.05, 30.0, lon+0.1, 30.1)},
		)
	}
	return rs
}

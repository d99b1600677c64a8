package hazard

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"unicode/utf8"

	"anju/internal/anju"
)

// Item is one question of a checklist. Key is stable across edits, so that
// answers recorded before an edit keep their meaning; Category is the
// taxonomy category of the rectification case a failed answer opens, when it
// differs from the checklist's.
type Item struct {
	Key      string `json:"key"`
	Text     string `json:"text"`
	Category string `json:"category,omitempty"`
}

// Checklist is what an inspector checks at a hazard of one type. Category
// is the taxonomy category of the rectification cases it opens by default.
type Checklist struct {
	Type     Type   `json:"type"`
	Category string `json:"category"`
	Items    []Item `json:"items"`
}

// CategoryOf returns the category of the case a failed answer to item key
// opens.
func (c Checklist) CategoryOf(key string) string {
	for _, it := range c.Items {
		if it.Key == key && it.Category != "" {
			return it.Category
		}
	}
	return c.Category
}

// Item returns the item with key.
func (c Checklist) Item(key string) (Item, bool) {
	for _, it := range c.Items {
		if it.Key == key {
			return it, true
		}
	}
	return Item{}, false
}

// Limits of a checklist.
const (
	MaxItems    = 30
	MaxItemText = 200
)

var (
	itemKey      = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	categoryCode = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
)

// Validate checks a checklist a city edits: a known type, a category, 1 to
// MaxItems items with distinct keys and distinct text. Whether the categories exist
// in the city's taxonomy is the store's to check.
func (c *Checklist) Validate() error {
	if !c.Type.Valid() {
		return anju.FieldError("type", "unknown hazard type %q; one of %v", c.Type, Types)
	}
	if !categoryCode.MatchString(c.Category) {
		return anju.FieldError("category", "a checklist needs the category of the rectification cases it opens")
	}
	if len(c.Items) == 0 || len(c.Items) > MaxItems {
		return anju.FieldError("items", "a checklist has 1 to %d items", MaxItems)
	}
	seen, texts := map[string]bool{}, map[string]bool{}
	for i := range c.Items {
		it := &c.Items[i]
		it.Text = anju.CleanText(it.Text)
		field := fmt.Sprintf("items[%d]", i)
		switch {
		case !itemKey.MatchString(it.Key):
			return anju.FieldError(field+".key", "item key must be 1–32 lower-case letters, digits or '_'")
		case seen[it.Key]:
			return anju.FieldError(field+".key", "item %q is listed twice", it.Key)
		case anju.Blank(it.Text) || utf8.RuneCountInString(it.Text) > MaxItemText:
			return anju.FieldError(field+".text", "item text must be 1–%d characters", MaxItemText)
		case texts[it.Text]:
			return anju.FieldError(field+".text", "%q is asked twice", it.Text)
		case it.Category != "" && !categoryCode.MatchString(it.Category):
			return anju.FieldError(field+".category", "bad category code %q", it.Category)
		}
		seen[it.Key], texts[it.Text] = true, true
	}
	return nil
}

// AssignKeys gives every item without a key one made from its text (a
// city's administrator writes questions, not keys). The key is the text's
// digest, so that a question added again after it was removed means what
// the answers recorded under it meant, and another question does not take
// over a removed one's answers. Two new items with the same text get the
// same key, which Validate refuses as listed twice.
func (c *Checklist) AssignKeys() {
	for i := range c.Items {
		if c.Items[i].Key == "" {
			sum := sha256.Sum256([]byte(anju.CleanText(c.Items[i].Text)))
			c.Items[i].Key = "q_" + hex.EncodeToString(sum[:5])
		}
	}
}

// DefaultChecklist returns the checklist a city starts with for type t (a
// copy). Categories are those of the default taxonomy's 安全隐患 group
// (12xx); see the note on each type where no category fits exactly.
func DefaultChecklist(t Type) Checklist {
	c := defaultChecklists[t]
	c.Type = t
	c.Items = append([]Item(nil), c.Items...)
	return c
}

var defaultChecklists = map[Type]Checklist{
	TypeHighRise: {Category: "1201", Items: []Item{
		{"fire_lane", "消防车通道畅通，无占用、堵塞", "1201"},
		{"exits", "疏散楼梯、安全出口畅通，常闭式防火门保持关闭", "1201"},
		{"equipment", "消火栓、灭火器、自动喷淋等消防设施完好有效", "1205"},
		{"ebike", "无电动自行车进楼入户、楼道内停放充电", "1204"},
		{"facade", "外墙饰面、门窗、广告牌等无脱落坠落风险", "1206"},
	}},
	TypeGas: {Category: "1202", Items: []Item{
		{"leak", "燃气管道、阀门、接口无泄漏、无锈蚀", ""},
		{"alarm", "可燃气体报警装置及切断装置安装并有效", ""},
		{"hose", "连接软管无老化、龟裂，长度不超过2米", ""},
		{"ventilation", "用气场所通风良好，无违规改动燃气设施", ""},
	}},
	TypeConstruction: {Category: "1211", Items: []Item{
		{"enclosure", "施工围挡完整牢固，警示标志齐全", ""},
		{"edges", "临边、洞口防护到位，作业人员佩戴安全防护用品", ""},
		{"machinery", "塔吊、升降机、脚手架等经检验合格并按规定使用", "1210"},
		{"hot_work", "动火作业经审批，现场配备灭火器材", "1205"},
	}},
	TypeOldHousing: {Category: "1203", Items: []Item{
		{"structure", "墙体、梁柱无明显裂缝、倾斜、沉降", ""},
		{"roof", "屋面无渗漏，阳台、雨篷等构件无松动", ""},
		{"wiring", "电气线路无私拉乱接、无老化破损", "1207"},
		{"passage", "楼道、通道无杂物堆放", "1201"},
	}},
	TypeHazardousGoods: {Category: "1208", Items: []Item{
		{"license", "经营、储存许可证照及出入库台账齐全", ""},
		{"storage", "分类分区储存，储存量不超过核定数量", ""},
		{"no_living", "无住人，未与居住场所设置在同一建筑（“三合一”）", ""},
		{"equipment", "灭火器材、防爆设施配备并完好有效", "1205"},
	}},
	TypeCrowdedVenue: {Category: "1201", Items: []Item{
		{"exits", "安全出口、疏散通道畅通，未锁闭", ""},
		{"lighting", "应急照明、疏散指示标志完好", "1205"},
		{"equipment", "消防设施、器材完好有效", "1205"},
		{"capacity", "人员数量未超过核定容量，有专人疏导", ""},
	}},
	// The default taxonomy has no category for drowning risks; 1209 (地质
	// 灾害与边坡隐患) is the nearest, being the one for natural places. A
	// city that has a better one edits the checklist.
	TypeWaterBody: {Category: "1209", Items: []Item{
		{"signs", "警示标志、禁止游泳标牌齐全醒目", ""},
		{"railings", "临水护栏完好，无缺损", ""},
		{"rescue", "救生圈、救生杆等救生器材配备到位", ""},
		{"patrol", "汛期、暑期有专人巡查值守", ""},
	}},
	TypeSlope: {Category: "1209", Items: []Item{
		{"cracks", "坡体无新增裂缝、鼓胀、滑移迹象", ""},
		{"drainage", "截排水沟畅通，无积水渗水", ""},
		{"retaining", "挡土墙、护坡无变形、开裂", ""},
		{"warning", "警示标志和监测设施完好", ""},
	}},
	// No category of the default taxonomy is meant for places of no
	// particular kind; 1205 (消防设施损坏) is what an inspection of such a
	// place most often finds.
	TypeOther: {Category: "1205", Items: []Item{
		{"general", "现场无明显安全隐患", ""},
		{"equipment", "消防器材配备并完好有效", ""},
		{"responsible", "安全责任人明确，制度上墙", ""},
	}},
}

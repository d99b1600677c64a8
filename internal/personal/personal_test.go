package personal

import (
	"testing"

	"anju/internal/anju"
)

// Valid ID numbers, their check characters computed independently of the
// code under test (ISO 7064 MOD 11-2 by hand in Python).
var validIDs = []string{
	"11010519491231002X",
	"44030419900307123X",
	"330106198511110014",
	"11010520000229003X", // 29 February in a leap year
	"320583198205121009",
	"110105199001011232",
	"510107197812300511",
}

func TestCheckIDNumber(t *testing.T) {
	for _, id := range validIDs {
		if err := CheckIDNumber(id); err != nil {
			t.Errorf("CheckIDNumber(%s) = %v", id, err)
		}
		if got := IDCheckDigit(id[:17]); got != id[17] {
			t.Errorf("IDCheckDigit(%s) = %c, want %c", id[:17], got, id[17])
		}
	}
	for _, id := range []string{
		"",
		"110105194912310021",  // wrong check digit
		"110105199001011233",  // wrong check digit
		"11010519491231002",   // 17 characters
		"11010519491231002XX", // 19
		"1101051949123100AX",  // letter inside
		"010105194912310026",  // area code starting with 0 (check digit right for it)
		"110105190002290025",  // 1900 was not a leap year
		"11010519901301123X",  // month 13
		"110105189912310023",  // before 1900
	} {
		if err := CheckIDNumber(id); err == nil {
			t.Errorf("CheckIDNumber(%q) accepted", id)
		}
	}
	// The rejections above must be for the stated reason, not an accident
	// of a wrong check digit: make sure those samples have a right one.
	for _, id := range []string{"010105194912310026", "110105190002290025", "11010519901301123X", "110105189912310023"} {
		if IDCheckDigit(id[:17]) != id[17] {
			t.Errorf("sample %s has a wrong check digit; fix the test", id)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := []Data{
		{},
		{Name: "张三", Phone: "13812341234", IDNumber: "11010519491231002X", Address: "北京市朝阳区望京街道阜通东大街6号"},
		{Phone: "19912345678"},
		{Phone: "010-12345678"},
		{Phone: "057187654321"},
		{Phone: "0571-8765432-123"},
		{Name: "Zhang San"},
	}
	for _, d := range ok {
		if err := d.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", d, err)
		}
	}
	bad := []struct {
		d     Data
		field string
	}{
		{Data{Phone: "12812341234"}, "reporter.phone"},
		{Data{Phone: "1381234123"}, "reporter.phone"},
		{Data{Phone: "138123412345"}, "reporter.phone"},
		{Data{Phone: "12345"}, "reporter.phone"}, // a service number is no reporter's phone
		{Data{Phone: "87654321"}, "reporter.phone"},
		{Data{Phone: "138 1234 1234"}, "reporter.phone"}, // not normalized
		{Data{IDNumber: "110105194912310021"}, "reporter.id_number"},
		{Data{IDNumber: "11010519491231002x"}, "reporter.id_number"}, // not normalized
		{Data{Name: string(make([]rune, MaxNameLength+1))}, "reporter.name"},
		{Data{Name: "张\n三"}, "reporter.name"},
		{Data{Address: string([]byte{0xff, 0xfe})}, "reporter.address"},
	}
	for _, c := range bad {
		err := c.d.Validate()
		if anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != c.field {
			t.Errorf("Validate(%+v) = %v, want EINVALID on %s", c.d, err, c.field)
		}
	}
	if err := (Data{Phone: "1"}).ValidateAs("parties[1]"); anju.ErrorField(err) != "parties[1].phone" {
		t.Errorf("ValidateAs field = %q", anju.ErrorField(err))
	}
}

func TestNormalized(t *testing.T) {
	for in, want := range map[string]string{
		"138 1234 1234":     "13812341234",
		"+86 138-1234-1234": "13812341234",
		"008613812341234":   "13812341234",
		"(0571) 87654321":   "057187654321",
		"010-12345678":      "010-12345678",
		"":                  "",
	} {
		d := Data{Phone: in, IDNumber: " 11010519491231002x ", Name: " 张三 "}.Normalized()
		if d.Phone != want {
			t.Errorf("Normalized phone %q = %q, want %q", in, d.Phone, want)
		}
		if d.IDNumber != "11010519491231002X" || d.Name != "张三" {
			t.Errorf("Normalized = %+v", d)
		}
	}
}

func TestMasks(t *testing.T) {
	cases := []struct {
		mask func(string) string
		in   string
		want string
	}{
		{MaskPhone, "13812341234", "138****1234"},
		{MaskPhone, "010-12345678", "010-****5678"},
		{MaskPhone, "0571-87654321", "0571-****4321"},
		{MaskPhone, "057187654321", "057****4321"},
		{MaskPhone, "1234567", "****67"},
		{MaskPhone, "12", "****"},
		{MaskPhone, "", ""},
		{MaskPhone, "电话一二三四五六七八", "****"},
		{MaskName, "张三丰", "张**"},
		{MaskName, "张三", "张**"},
		{MaskName, "欧阳娜娜", "欧**"},
		{MaskName, "Zhang San", "Z**"},
		{MaskName, "", ""},
		{MaskIDNumber, "110105199001011234", "110105********1234"},
		{MaskIDNumber, "11010519491231002X", "110105********002X"},
		{MaskIDNumber, "110105490101123", "110105*****1123"}, // old 15-digit number
		{MaskIDNumber, "12345", "****"},
		{MaskIDNumber, "", ""},
		{MaskAddress, "北京市朝阳区望京街道阜通东大街6号院3号楼502", "北京市朝阳区望京街道***"},
		{MaskAddress, "浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区***"},
		{MaskAddress, "广东省深圳市南山区粤海街道科技园南区1栋", "广东省深圳市南山区粤海街道***"},
		{MaskAddress, "上海市浦东新区张江镇祖冲之路887弄", "上海市浦东新区张江镇***"},
		{MaskAddress, "内蒙古自治区呼和浩特市新城区海拉尔东街5号", "内蒙古自治区呼和浩特市新城区***"},
		{MaskAddress, "朝阳区建国路88号SOHO现代城", "朝阳区***"},
		{MaskAddress, "江苏省苏州市姑苏区平江路12号", "江苏省苏州市姑苏区***"},
		{MaskAddress, "吉林省延边朝鲜族自治州延吉市河南街道1号", "吉林省延边朝鲜族自治州延吉市河南街道***"},
		{MaskAddress, "北京市朝阳区", "北京市朝阳区"},
		{MaskAddress, "幸福小区5栋2单元301室", "幸福小区5栋***"},
		{MaskAddress, "北京市朝阳区幸福小区5栋", "北京市朝阳区***"},
		{MaskAddress, "西湖区翠苑社区3幢", "西湖区***"},
		{MaskAddress, "12 Main Street, Springfield", "12 Mai***"},
		{MaskAddress, "后街", "后***"},
		{MaskAddress, "", ""},
	}
	for _, c := range cases {
		if got := c.mask(c.in); got != c.want {
			t.Errorf("mask(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	d := Data{Name: "张三", Phone: "13812341234", IDNumber: "110105199001011232", Address: "浙江省杭州市西湖区文三路90号"}.Masked()
	want := Data{Name: "张**", Phone: "138****1234", IDNumber: "110105********1232", Address: "浙江省杭州市西湖区***"}
	if d != want {
		t.Errorf("Masked = %+v, want %+v", d, want)
	}
}

package textai

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// Synthetic reports for benchmarks: place names built from syllables, and
// problems from objects × faults, with noise phrases. They are invented here;
// nothing comes from the shared data.

var (
	synthSyllables = []rune("安宝碧春翠东德富福光桂海和华惠嘉金锦景康兰丽林龙绿梅明南鹏平青清瑞润森盛顺泰桃天万文祥新鑫星兴秀阳怡银永悦云泽湛中紫")
	synthSuffixes  = []string{"小区", "花园", "家园", "新城", "苑", "村", "路", "公寓", "山庄", "广场"}
	synthObjects   = []string{"路灯", "井盖", "电梯", "下水道", "垃圾站", "建筑工地", "烧烤店", "广场舞音响", "停车场", "消防通道",
		"自来水管", "暖气", "绿化带", "公交站台", "红绿灯", "人行道", "菜市场", "幼儿园门口", "地下车库", "楼顶防水",
		"燃气管道", "共享单车", "渣土车", "KTV", "充电桩", "围墙", "化粪池", "公厕", "健身器材", "小摊贩"}
	synthFaults = []struct{ title, text string }{
		{"损坏无人维修", "坏了好几天了一直没有人来修"},
		{"噪音扰民", "每天晚上声音很大吵得居民睡不着"},
		{"堵塞严重", "被堵住了很不方便存在安全隐患"},
		{"污水横流", "污水溢出来味道很难闻"},
		{"乱停乱放", "占用通道行人无法通过"},
		{"夜间施工", "半夜还在施工影响休息"},
		{"长期漏水", "一直在漏水墙面都发霉了"},
		{"收费不合理", "收费太高没有公示标准"},
		{"存在安全隐患", "随时可能出事请尽快处理"},
		{"油烟扰民", "油烟直接排到楼上窗户不敢开"},
	}
	synthNoise = []string{"请相关部门尽快处理", "希望领导重视", "已经反映多次", "谢谢", "市民非常不满", "老人小孩出行困难", "恳请解决", ""}
)

func syntheticPlaces(n int, rng *rand.Rand) []string {
	seen := map[string]bool{}
	out := make([]string, 0, n)
	for len(out) < n {
		k := 2 + rng.IntN(2)
		rs := make([]rune, k)
		for i := range rs {
			rs[i] = synthSyllables[rng.IntN(len(synthSyllables))]
		}
		name := "A" + strconv.Itoa(1+rng.IntN(9)) + "区" + string(rs) + synthSuffixes[rng.IntN(len(synthSuffixes))]
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

type synthProblem struct{ title, text string }

// syntheticProblem picks one of 300 problems (30 objects × 10 faults).
func syntheticProblem(rng *rand.Rand) synthProblem {
	o := synthObjects[rng.IntN(len(synthObjects))]
	f := synthFaults[rng.IntN(len(synthFaults))]
	return synthProblem{title: o + f.title, text: "的" + o + f.text}
}

func syntheticNoise(rng *rand.Rand) string {
	return "，" + synthNoise[rng.IntN(len(synthNoise))]
}

// benchSize reads a benchmark size from the environment, else def.
func benchSize(tb testing.TB, env string, def int) int {
	if s := os.Getenv(env); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			tb.Fatalf("%s=%q: want a positive number", env, s)
		}
		return n
	}
	return def
}

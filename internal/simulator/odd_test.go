package simulator

import "testing"

// TestOddValueSpreadsEveryKind: about one detection in every is odd, each
// kind appears, and the choice depends only on the detection.
func TestOddValueSpreadsEveryKind(t *testing.T) {
	const every, n = 20, 20000
	counts := map[OddKind]int{}
	for host := int64(1); host <= n/10; host++ {
		for qid := int64(1000); qid < 1010; qid++ {
			k := OddValue(host, qid, every)
			if k != OddValue(host, qid, every) {
				t.Fatal("OddValue is not deterministic")
			}
			counts[k]++
		}
	}
	odd := n - counts[OddNone]
	if odd < n/every/2 || odd > 2*n/every {
		t.Errorf("%d odd values in %d detections, want about %d", odd, n, n/every)
	}
	for k := OddQID; k < oddKinds; k++ {
		if counts[k] == 0 {
			t.Errorf("kind %d never chosen: %v", k, counts)
		}
	}
	if OddValue(1, 1000, 0) != OddNone {
		t.Error("odd values written with every=0")
	}
}

package schemas

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"
)

func TestEverySchemaBuilds(t *testing.T) {
	files, err := fs.Glob(FS, "*.avsc")
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded schemas (err %v)", err)
	}

	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			text, err := fs.ReadFile(FS, name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := goavro.NewCodec(string(text)); err != nil {
				t.Errorf("goavro: %v", err)
			}
		})
	}
}

func TestDetectionName(t *testing.T) {
	c, err := goavro.NewCodec(Detection)
	if err != nil {
		t.Fatal(err)
	}

	const want = `{"name":"com.qualys2kafka.vm.Detection","type":"record"`
	if got := c.CanonicalSchema(); !strings.HasPrefix(got, want) {
		t.Errorf("canonical schema starts %.60q, want %q", got, want)
	}
}

package publish

import (
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/segmentio/kafka-go/compress"
)

// zstdWindow bounds what one encoder remembers. A produce batch is a few
// hundred kilobytes of similar records, compressed on its own; a larger
// window barely improves the ratio there, while kafka-go keeps one encoder
// per batch being compressed at once (up to one per partition), and with
// the library's 8 MiB default those encoders alone took over 100 MiB.
const zstdWindow = 1 << 20

// zstdCodec is the zstd codec of produce requests: the fastest level,
// the window above, and encoders reused through a pool. Reading stays
// with kafka-go's own codec.
type zstdCodec struct {
	read compress.Codec
	pool sync.Pool // *zstd.Encoder
}

// The codec table is kafka-go's extension point for compression: every
// writer and reader in the process looks codecs up there by their code.
func init() {
	compress.Codecs[compress.Zstd] = &zstdCodec{read: compress.Codecs[compress.Zstd]}
}

func (c *zstdCodec) Code() int8   { return int8(compress.Zstd) }
func (c *zstdCodec) Name() string { return "zstd" }

func (c *zstdCodec) NewReader(r io.Reader) io.ReadCloser { return c.read.NewReader(r) }

func (c *zstdCodec) NewWriter(w io.Writer) io.WriteCloser {
	enc, _ := c.pool.Get().(*zstd.Encoder)
	if enc == nil {
		var err error
		enc, err = zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithWindowSize(zstdWindow), zstd.WithEncoderConcurrency(1),
			zstd.WithLowerEncoderMem(true), zstd.WithZeroFrames(true))
		if err != nil {
			return &zstdWriter{err: err}
		}
	} else {
		enc.Reset(w)
	}
	return &zstdWriter{enc: enc, pool: &c.pool}
}

type zstdWriter struct {
	enc  *zstd.Encoder
	pool *sync.Pool
	err  error
}

func (w *zstdWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	return w.enc.Write(p)
}

// Close ends the frame and returns the encoder to the pool.
func (w *zstdWriter) Close() error {
	if w.enc == nil {
		return w.err
	}
	err := w.enc.Close()
	w.enc.Reset(io.Discard) // do not keep the request's buffer alive
	w.pool.Put(w.enc)
	w.enc, w.err = nil, io.ErrClosedPipe
	return err
}

package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/linkedin/goavro/v2"

	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/schemas"
)

// Framing puts Avro binary data into a Kafka message value and takes it out
// again. SingleObject, the default, needs nothing but the schema.
//
// TODO(registry): a Confluent wire-format framing (byte 0, 4-byte
// big-endian schema ID, Avro binary) implements this once the registry
// client that hands out schema IDs exists. Encode writes the Avro binary
// itself only for SingleObject and takes the ten times slower goavro path
// for any other framing, so that framing should also hand Encode its
// prefix bytes.
type Framing interface {
	// AppendValue appends the framed encoding of native, per c, to dst and
	// returns the extended slice.
	AppendValue(dst []byte, c *goavro.Codec, native any) ([]byte, error)
	// NativeFromValue decodes a whole value framed by AppendValue with c.
	// It fails when the value names another schema.
	NativeFromValue(c *goavro.Codec, value []byte) (any, error)
	// ContentType returns the content-type header of values framed with c.
	ContentType(c *goavro.Codec) string
}

// SingleObject frames values in Avro single-object encoding: the marker
// bytes C3 01, the 8-byte little-endian CRC-64-AVRO (Rabin) fingerprint of
// the schema's canonical form, then the Avro binary datum. A consumer
// holding schemas/ can find the schema of any value by its fingerprint.
//
// Its content type is
//
//	application/vnd.apache.avro+binary; encoding=single-object; schema=<full name>; fingerprint=<16 hex digits>
//
// where the fingerprint is the unsigned 64-bit value in hex (the header
// bytes hold it little-endian, so in reverse order).
type SingleObject struct{}

// AppendValue implements Framing.
func (SingleObject) AppendValue(dst []byte, c *goavro.Codec, native any) ([]byte, error) {
	return c.SingleFromNative(dst, native)
}

// NativeFromValue implements Framing. A value with another fingerprint
// fails with a *SchemaMismatchError.
func (SingleObject) NativeFromValue(c *goavro.Codec, value []byte) (any, error) {
	fp, body, err := goavro.FingerprintFromSOE(value)
	if err != nil {
		return nil, fmt.Errorf("not avro single-object encoding: %w", err)
	}
	if fp != c.Rabin {
		return nil, &SchemaMismatchError{Fingerprint: fp, Want: c.Rabin}
	}

	native, rest, err := c.NativeFromBinary(body)
	if err != nil {
		return nil, fmt.Errorf("avro binary: %w", err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%d bytes after the avro datum", len(rest))
	}
	return native, nil
}

// ContentType implements Framing.
func (SingleObject) ContentType(c *goavro.Codec) string {
	name := c.TypeName()
	return fmt.Sprintf(
		"application/vnd.apache.avro+binary; encoding=single-object; schema=%s; fingerprint=%016x",
		name.String(), c.Rabin)
}

// SchemaMismatchError reports a value written with a schema this build
// does not hold: a newer producer, or another topic's data.
type SchemaMismatchError struct {
	Fingerprint uint64 // of the value's writer schema
	Want        uint64 // of the schema this build decodes
}

func (e *SchemaMismatchError) Error() string {
	return fmt.Sprintf("value written with schema fingerprint %016x, want %016x",
		e.Fingerprint, e.Want)
}

// maxArrayItems bounds the item count goavro accepts in one array block
// when decoding. goavro allocates room for the count it reads before
// reading the items, and its default (2^31) lets one corrupt or hostile
// value ask for 32 GiB; FuzzDecode found that. No detection has near this
// many tags or CVEs. The limit is a goavro global, so it applies to every
// goavro decoder in the process. goavro's encoder also splits longer arrays
// into blocks of this many items, and appendArray does the same so that its
// bytes stay goavro's.
const maxArrayItems = 1 << 16

func init() {
	goavro.MaxBlockCount = maxArrayItems
}

// Encoder encodes detections as records of schemas.Detection and decodes
// their values. It is safe for concurrent use.
type Encoder struct {
	codec       *goavro.Codec
	framing     Framing
	contentType string

	// direct reports whether the framing is SingleObject, whose values
	// Encode writes itself (see binary.go) instead of through goavro.
	direct bool
	// prefix is the single-object header: C3 01, then the fingerprint.
	prefix [10]byte
}

// NewEncoder returns an Encoder of the embedded detection schema that frames
// values in single-object encoding.
func NewEncoder() (*Encoder, error) {
	return NewEncoderFraming(SingleObject{})
}

// NewEncoderFraming returns an Encoder of the embedded detection schema that
// frames values with f.
func NewEncoderFraming(f Framing) (*Encoder, error) {
	c, err := goavro.NewCodec(schemas.Detection)
	if err != nil {
		return nil, fmt.Errorf("detection schema: %w", err)
	}

	e := &Encoder{codec: c, framing: f, contentType: f.ContentType(c)}
	_, e.direct = f.(SingleObject)
	e.prefix[0], e.prefix[1] = 0xC3, 0x01
	binary.LittleEndian.PutUint64(e.prefix[2:], c.Rabin)
	return e, nil
}

// Fingerprint returns the CRC-64-AVRO fingerprint of the detection schema.
func (e *Encoder) Fingerprint() uint64 {
	return e.codec.Rabin
}

// Encode returns the record of one detection of host h. It fails when m has
// no RunID or ObservedAt. With a framing other than SingleObject it also
// fails when goavro rejects the datum (a bug: Native always matches the
// schema); the error names the host ID and QID.
//
// With SingleObject, the key, the value and the header values share one
// allocation, each capped at its own length so that appending to one
// cannot overwrite another.
func (e *Encoder) Encode(m Meta, h *qualys.Host, d *qualys.Detection) (Record, error) {
	if m.RunID == "" || m.ObservedAt.IsZero() {
		return Record{}, errors.New("encode detection: meta needs a run ID and an observed time")
	}
	if e.direct {
		return e.encodeDirect(m, h, d), nil
	}
	return e.encodeNative(m, h, d)
}

// scratch holds buffers in which encodeDirect lays out a record before
// copying it into one allocation of the exact size. Buffers grown past
// maxScratch by a huge RESULTS are dropped rather than kept.
var scratch = sync.Pool{
	New: func() any {
		b := make([]byte, 0, 4096)
		return &b
	},
}

const maxScratch = 1 << 20

// encodeDirect is Encode for SingleObject: the value is written by
// appendDatum, with the same bytes as encodeNative.
func (e *Encoder) encodeDirect(m Meta, h *qualys.Host, d *qualys.Detection) Record {
	bp := scratch.Get().(*[]byte)
	b := (*bp)[:0]

	status := symbolIndex(statusSymbols[:], d.Status)
	b = appendKey(b, m.Subscription, h.ID, d)
	keyEnd := len(b)
	id := eventID(b, statusSymbols[status], d)

	b = append(b, e.prefix[:]...)
	b = appendDatum(b, m, id, status, h, d)
	valueEnd := len(b)

	// The header values follow in the order of Record.Headers.
	var ends [5]int
	b = append(b, statusSymbols[status]...)
	ends[0] = len(b)
	b = strconv.AppendInt(b, h.ID, 10)
	ends[1] = len(b)
	b = strconv.AppendInt(b, d.QID, 10)
	ends[2] = len(b)
	b = append(b, m.RunID...)
	ends[3] = len(b)
	b = append(b, e.contentType...)
	ends[4] = len(b)

	out := make([]byte, len(b))
	copy(out, b)
	if cap(b) <= maxScratch {
		*bp = b
		scratch.Put(bp)
	}

	return Record{
		Key:   out[:keyEnd:keyEnd],
		Value: out[keyEnd:valueEnd:valueEnd],
		Headers: []Header{
			{Key: HeaderStatus, Value: out[valueEnd:ends[0]:ends[0]]},
			{Key: HeaderHostID, Value: out[ends[0]:ends[1]:ends[1]]},
			{Key: HeaderQID, Value: out[ends[1]:ends[2]:ends[2]]},
			{Key: HeaderRunID, Value: out[ends[2]:ends[3]:ends[3]]},
			{Key: HeaderContentType, Value: out[ends[3]:ends[4]:ends[4]]},
		},
		Status:  statusSymbols[status],
		EventID: id,
		HostID:  h.ID,
		QID:     d.QID,
	}
}

// encodeNative is Encode for any other framing, which takes goavro's native
// form: it builds Native and lets the framing encode it.
func (e *Encoder) encodeNative(m Meta, h *qualys.Host, d *qualys.Detection) (Record, error) {
	native := Native(m, h, d)
	value, err := e.framing.AppendValue(make([]byte, 0, 512+len(d.Results)), e.codec, native)
	if err != nil {
		return Record{}, fmt.Errorf("encode detection host %d qid %d: %w", h.ID, d.QID, err)
	}

	status := native["detection"].(map[string]any)["status"].(string)
	return Record{
		Key:   Key(m.Subscription, h.ID, d),
		Value: value,
		Headers: []Header{
			{Key: HeaderStatus, Value: []byte(status)},
			{Key: HeaderHostID, Value: strconv.AppendInt(nil, h.ID, 10)},
			{Key: HeaderQID, Value: strconv.AppendInt(nil, d.QID, 10)},
			{Key: HeaderRunID, Value: []byte(m.RunID)},
			{Key: HeaderContentType, Value: []byte(e.contentType)},
		},
		Status:  status,
		EventID: native["event_id"].(string),
		HostID:  h.ID,
		QID:     d.QID,
	}, nil
}

// Decode returns the native form (see Native) of a value produced by Encode
// with the same framing. It fails on a value that is not so framed, and
// with a *SchemaMismatchError on one written with another schema.
//
// TODO(schema-versions): Decode knows only the current schema, so values
// written before a schema change fail with *SchemaMismatchError; when a v2
// is released, keep a codec per released version, chosen by fingerprint.
func (e *Encoder) Decode(value []byte) (map[string]any, error) {
	native, err := e.framing.NativeFromValue(e.codec, value)
	if err != nil {
		return nil, fmt.Errorf("decode detection: %w", err)
	}

	m, ok := native.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("decode detection: got %T, want a record", native)
	}
	return m, nil
}

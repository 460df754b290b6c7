package benchpage

import (
	"bytes"
	"errors"
	"io"
	"strconv"
)

// Stream reads one page of about a given size, made of the hosts of a
// template page repeated in turn, each with a new ID, between the
// template's head and tail. It holds only the template, so a page of any
// size, larger than memory included, can be decoded with the memory of the
// decoder alone. IDs ascend from 1, as the API's pages do.
//
// A Stream is not safe for concurrent use.
type Stream struct {
	head, tail []byte
	hosts      []hostChunk
	size       int64 // bytes to write before the tail

	pending []byte // not yet read
	buf     []byte // the host being read
	started bool
	tailed  bool
	next    int   // template host to write next
	id      int64 // ID of the last host written
	n       int64 // bytes moved into pending so far

	detections int64
}

// hostChunk is one HOST element of the template, split around the text of
// its ID, with the whitespace that follows it.
type hostChunk struct {
	beforeID, afterID []byte
	detections        int64
}

// NewStream returns a Stream of about size bytes (at least the template's
// head, one host and the tail) built from template, a whole detection page
// with at least one host. It fails when template has no HOST_LIST or a
// HOST without an ID.
func NewStream(template []byte, size int64) (*Stream, error) {
	const listOpen, listClose = "<HOST_LIST>", "</HOST_LIST>"
	start := bytes.Index(template, []byte(listOpen))
	end := bytes.LastIndex(template, []byte(listClose))
	if start < 0 || end < start {
		return nil, errors.New("benchpage: template has no HOST_LIST")
	}
	start += len(listOpen)
	s := &Stream{head: template[:start], tail: template[end:]}

	list := template[start:end]
	for len(list) > 0 {
		i := bytes.Index(list, []byte("<HOST>"))
		if i < 0 {
			break
		}
		j := bytes.Index(list[i+1:], []byte("<HOST>"))
		chunk := list
		if j >= 0 {
			chunk = list[:i+1+j]
		}
		list = list[len(chunk):]
		h, err := splitHost(chunk)
		if err != nil {
			return nil, err
		}
		s.hosts = append(s.hosts, h)
	}
	if len(s.hosts) == 0 {
		return nil, errors.New("benchpage: template has no HOST")
	}
	s.size = size - int64(len(s.tail))
	return s, nil
}

// splitHost cuts a HOST element around the text of its first ID child.
func splitHost(chunk []byte) (hostChunk, error) {
	i := bytes.Index(chunk, []byte("<ID>"))
	j := bytes.Index(chunk, []byte("</ID>"))
	if i < 0 || j < i {
		return hostChunk{}, errors.New("benchpage: template has a HOST without ID")
	}
	return hostChunk{
		beforeID:   chunk[:i+len("<ID>")],
		afterID:    chunk[j:],
		detections: int64(bytes.Count(chunk, []byte("<DETECTION>"))),
	}, nil
}

// Read reads the next bytes of the page; it returns io.EOF after the tail.
func (s *Stream) Read(p []byte) (int, error) {
	for len(s.pending) == 0 {
		if s.tailed {
			return 0, io.EOF
		}
		s.fill()
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	return n, nil
}

// fill moves the head, the next host or the tail into pending.
func (s *Stream) fill() {
	switch {
	case !s.started:
		s.started = true
		s.pending = s.head
	case s.id == 0 || s.n < s.size:
		h := &s.hosts[s.next]
		s.next = (s.next + 1) % len(s.hosts)
		s.id++
		s.buf = append(s.buf[:0], h.beforeID...)
		s.buf = strconv.AppendInt(s.buf, s.id, 10)
		s.buf = append(s.buf, h.afterID...)
		s.pending = s.buf
		s.detections += h.detections
	default:
		s.tailed = true
		s.pending = s.tail
	}
	s.n += int64(len(s.pending))
}

// Hosts returns the number of hosts written so far.
func (s *Stream) Hosts() int64 { return s.id }

// Detections returns the number of detections written so far.
func (s *Stream) Detections() int64 { return s.detections }

// Bytes returns the number of bytes written so far (read or pending).
func (s *Stream) Bytes() int64 { return s.n }

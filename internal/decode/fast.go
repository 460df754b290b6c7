package decode

import "io"

// newFast returns the fast decoder.
//
// TODO(fast-decoder): the tokenizer-based decoder replaces this.
func newFast(r io.Reader, httpStatus int) Stream { return New(r, httpStatus) }

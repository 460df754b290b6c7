package simulator

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// sessionCookie is the cookie of the session API.
const sessionCookie = "QualysSession"

// sessions are the sessions logged in, by ID, with their last use.
type sessions struct {
	mu      sync.Mutex
	timeout time.Duration
	byID    map[string]time.Time
}

// start opens a session and returns its ID.
func (ss *sessions) start() string {
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])

	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.byID[id] = time.Now()
	return id
}

// use reports whether id is a session that has not expired, and renews it.
func (ss *sessions) use(id string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	last, ok := ss.byID[id]
	if !ok {
		return false
	}
	now := time.Now()
	if now.Sub(last) >= ss.timeout {
		delete(ss.byID, id)
		return false
	}
	ss.byID[id] = now
	return true
}

// end closes session id and reports whether it was open.
func (ss *sessions) end(id string) bool {
	ok := ss.use(id)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, id)
	return ok
}

// Sessions returns the number of sessions logged in and not expired, so a
// test can check that its client logged out.
func (s *Server) Sessions() int {
	ss := &s.sessions
	ss.mu.Lock()
	defer ss.mu.Unlock()
	n := 0
	now := time.Now()
	for _, last := range ss.byID {
		if now.Sub(last) < ss.timeout {
			n++
		}
	}
	return n
}

// sessionOf reports whether r carries the cookie of a live session.
func (s *Server) sessionOf(r *http.Request) bool {
	c, err := r.Cookie(sessionCookie)
	return err == nil && s.sessions.use(c.Value)
}

// serveSession answers the session API: POST action=login with username
// and password, which sets the QualysSession cookie, or action=logout with
// that cookie. It takes no part in rate and concurrency limits and sends
// no limit headers, as the real API does; other parameters are ignored.
func (s *Server) serveSession(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.cfg.RequireRequestedWith && r.Header.Get("X-Requested-With") == "" {
		writeError(w, r, s.Now(), apiErr(http.StatusBadRequest, s.cfg.RequestedWithCode,
			"Please specify the X-Requested-With header: it is required for this API"))
		return
	}
	pairs, err := requestPairs(r)
	if err != nil {
		writeError(w, r, s.Now(), apiErr(http.StatusBadRequest, qualys.CodeInvalidValue,
			err.Error()))
		return
	}

	switch action := lastValue(pairs, "action"); action {
	case "login":
		s.login(w, r, lastValue(pairs, "username"), lastValue(pairs, "password"))
	case "logout":
		s.logout(w, r)
	case "":
		writeError(w, r, s.Now(), apiErr(http.StatusBadRequest, 1903,
			"Missing required parameter(s): action"))
	default:
		writeError(w, r, s.Now(), invalid("action", action, ""))
	}
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, user, pass string) {
	if !equal(user, s.cfg.User) || !equal(pass, s.cfg.Password) {
		writeError(w, r, s.Now(), apiErr(http.StatusUnauthorized, qualys.CodeBadLogin,
			"Bad Login/Password"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.sessions.start(),
		Path: "/api", HttpOnly: true, Secure: r.TLS != nil})
	writeSimpleReturn(w, r, s.Now(), http.StatusOK, 0, "Logged in", nil)
}

// logout ends the session of the cookie. Without a live session it
// answers 401 code 2000, a choice: the real answer is not documented.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || !s.sessions.end(c.Value) {
		writeError(w, r, s.Now(), apiErr(http.StatusUnauthorized, qualys.CodeBadLogin,
			"Session expired or unknown: log in again"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/api",
		HttpOnly: true, Secure: r.TLS != nil, MaxAge: -1})
	writeSimpleReturn(w, r, s.Now(), http.StatusOK, 0, "Logged out", nil)
}

package qualys

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// SessionPath is the session API; it exists in version 2.0 only.
const SessionPath = "/api/2.0/fo/session/"

// Login starts a session (ClientConfig.Session): the API answers with a
// QualysSession cookie that later calls send instead of credentials. It is
// a no-op for a client using Basic authentication. Session calls are not
// counted against the subscription's limits, so they bypass the Gate.
func (c *Client) Login(ctx context.Context) error {
	if !c.session {
		return nil
	}
	form := url.Values{"action": {"login"}, "username": {c.user}, "password": {c.pass}}
	if err := c.sessionCall(ctx, form); err != nil {
		return fmt.Errorf("session login: %w", err)
	}
	return nil
}

// Logout ends the session started by Login. Sessions count against the
// subscription's concurrency, so it must run at the end of every sync,
// also on shutdown (with a context that is not yet cancelled).
func (c *Client) Logout(ctx context.Context) error {
	if !c.session {
		return nil
	}
	if err := c.sessionCall(ctx, url.Values{"action": {"logout"}}); err != nil {
		return fmt.Errorf("session logout: %w", err)
	}
	return nil
}

func (c *Client) sessionCall(ctx context.Context, form url.Values) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.String()+SessionPath,
		strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Requested-With", c.requestedWith)

	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	apiErr := parseErrorDocument(resp.StatusCode, body)
	if resp.StatusCode != http.StatusOK {
		if apiErr != nil {
			return apiErr
		}
		return classify(resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if apiErr != nil && apiErr.Code != 0 {
		return apiErr // an error code with HTTP 200
	}
	return nil
}

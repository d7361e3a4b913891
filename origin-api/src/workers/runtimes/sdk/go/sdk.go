// Package sdk is Bunbase's platform services (db, storage, auth, queues) from a Go
// function on the origin: the same operations as the JS @bunbase/sdk (docs/sdk.md), made
// during an invocation as that function. Every entry point takes the invocation's
// context (r.Context() in an HTTP handler, ctx in an event handler):
//
//	doc, err := sdk.DB(r.Context()).Collection("profiles").Doc("ada").Get()
//
// Failures are *sdk.Error with the contract's Code (errors.As). The build provides this
// module (bunbase.dev/sdk, stdlib only): no download, no vendoring needed.
package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

const tokenHeader = "x-bunbase-sdk-token"

// Error is what every call returns on failure: match on Code (FN_001 not found, FN_006
// bad input naming Details["path"], FN_007 subrequests used up, FN_009 refused...).
type Error struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

type tokenKey struct{}

// WithToken binds an invocation's SDK token to its context. The generated main calls it
// for every request and event; user code has no need to.
func WithToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, tokenKey{}, token)
}

// The relay is on loopback: never through HTTP_PROXY.
var httpClient = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16}}

type client struct{ ctx context.Context }

func (c client) do(what, method, path string, body []byte, contentType string) (*http.Response, error) {
	base := os.Getenv("BUNBASE_SDK_URL")
	if base == "" {
		return nil, &Error{Code: "FN_004", Message: "bunbase sdk " + what + ": the platform services are reachable only from a deployed function"}
	}
	token, _ := c.ctx.Value(tokenKey{}).(string)
	if token == "" {
		return nil, &Error{Code: "FN_004", Message: "bunbase sdk " + what + ": must be called during an invocation, with its context (r.Context() or the event handler's ctx)"}
	}
	req, err := http.NewRequestWithContext(c.ctx, method, strings.TrimRight(base, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Code: "FN_006", Message: "bunbase sdk " + what + ": " + err.Error()}
	}
	req.Header.Set(tokenHeader, token)
	if contentType != "" {
		req.Header.Set("content-type", contentType)
	}
	res, err := httpClient.Do(req)
	if err != nil {
		if c.ctx.Err() != nil {
			return nil, c.ctx.Err()
		}
		return nil, &Error{Code: "FN_004", Message: "bunbase sdk " + what + ": the platform services could not be reached: " + err.Error()}
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		defer res.Body.Close()
		return nil, errorOf(res)
	}
	return res, nil
}

func errorOf(res *http.Response) error {
	var envelope struct {
		Error *Error `json:"error"`
	}
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if json.Unmarshal(data, &envelope) != nil || envelope.Error == nil || envelope.Error.Code == "" {
		return &Error{Code: "FN_004", Message: fmt.Sprintf("the platform services answered %d", res.StatusCode)}
	}
	return envelope.Error
}

// call is POST /call {service, method, args}; the result is decoded into out (when not nil).
func (c client) call(service, method string, args map[string]any, out any) error {
	for name, value := range args {
		if value == nil {
			delete(args, name)
		}
	}
	body, err := json.Marshal(map[string]any{"service": service, "method": method, "args": args})
	if err != nil {
		return &Error{Code: "FN_006", Message: "bunbase sdk " + service + "." + method + ": the arguments are not JSON: " + err.Error()}
	}
	res, err := c.do(service+"."+method, http.MethodPost, "/call", body, "application/json")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var answer struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.NewDecoder(res.Body).Decode(&answer); err != nil {
		return &Error{Code: "FN_004", Message: "bunbase sdk " + service + "." + method + ": unreadable answer: " + err.Error()}
	}
	if out == nil || len(answer.Result) == 0 {
		return nil
	}
	return json.Unmarshal(answer.Result, out)
}

// IsNotFound says whether err is FN_001 (no such document, object or user).
func IsNotFound(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Code == "FN_001"
}

// unlessMissing turns FN_001 into ok=false.
func unlessMissing(err error) (found bool, _ error) {
	if IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

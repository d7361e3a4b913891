package sdk

import "context"

// AuthClient is auth of the JS SDK.
type AuthClient struct{ c client }

// Auth gives the invocation's auth service.
func Auth(ctx context.Context) *AuthClient { return &AuthClient{client{ctx}} }

// VerifyToken takes "Bearer <token>" (an Authorization header as it is) or a bare token
// from POST /auth/login and gives its claims (sub, email, iat, exp); FN_009 if invalid.
func (a *AuthClient) VerifyToken(authorization string) (map[string]any, error) {
	args := map[string]any{}
	if authorization != "" {
		args["token"] = authorization
	}
	var claims map[string]any
	err := a.c.call("auth", "verifyToken", args, &claims)
	return claims, err
}

// GetUser gives the user (no secrets); FN_001 if there is none.
func (a *AuthClient) GetUser(id string) (map[string]any, error) {
	var user map[string]any
	err := a.c.call("auth", "getUser", map[string]any{"id": id}, &user)
	return user, err
}

// CreateUser takes {"email", "password", ...profile} and gives the new user (publishing
// auth.user.create); FN_006 naming the field, 409 if the email is taken.
func (a *AuthClient) CreateUser(user map[string]any) (map[string]any, error) {
	var created map[string]any
	err := a.c.call("auth", "createUser", map[string]any{"user": user}, &created)
	return created, err
}

// UserPage is one page of users in creation order; NextCursor is empty on the last.
type UserPage struct {
	Users      []map[string]any `json:"users"`
	NextCursor string           `json:"nextCursor,omitempty"`
}

// ListUsers gives a page of users (limit 1-1000, 0 for the default 100; cursor from the
// previous page; email, when not empty, finds one user).
func (a *AuthClient) ListUsers(limit int, cursor, email string) (UserPage, error) {
	args := map[string]any{}
	if limit > 0 {
		args["limit"] = limit
	}
	if cursor != "" {
		args["cursor"] = cursor
	}
	if email != "" {
		args["email"] = email
	}
	var page UserPage
	err := a.c.call("auth", "listUsers", args, &page)
	return page, err
}

// UpdateUser applies {"email"?, "password"?, ...profile} (the profile merged; nil removes
// a field) and gives the user; FN_001 if there is none.
func (a *AuthClient) UpdateUser(id string, patch map[string]any) (map[string]any, error) {
	var user map[string]any
	err := a.c.call("auth", "updateUser", map[string]any{"id": id, "patch": patch}, &user)
	return user, err
}

// DeleteUser deletes the user (its tokens stop verifying): false if there was none.
func (a *AuthClient) DeleteUser(id string) (bool, error) {
	return unlessMissing(a.c.call("auth", "deleteUser", map[string]any{"id": id}, nil))
}

// Message is a queue message: any JSON body, and an optional idempotency key.
type Message struct {
	Body           any    `json:"body"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

// SendResult counts the messages stored and those dropped as duplicates.
type SendResult struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

// QueueRef is a named queue: Queue(ctx, "emails").Send(sdk.Message{Body: ...}).
type QueueRef struct {
	c    client
	Name string
}

// Queue gives a queue of the invocation.
func Queue(ctx context.Context, name string) *QueueRef { return &QueueRef{client{ctx}, name} }

// Send queues 1-1000 messages.
func (q *QueueRef) Send(messages ...Message) (SendResult, error) {
	var result SendResult
	err := q.c.call("queue", "send", map[string]any{"queue": q.Name, "messages": messages}, &result)
	return result, err
}

package sdk

import "context"

// Document is a stored JSON object; it always has an "id".
type Document = map[string]any

// Database is db of the JS SDK: DB(ctx).Collection("profiles").
type Database struct{ c client }

// DB gives the invocation's database.
func DB(ctx context.Context) *Database { return &Database{client{ctx}} }

// Collection is a collection, and the query of all its documents.
func (d *Database) Collection(name string) *Collection {
	return &Collection{Query: Query{c: d.c, collection: name}}
}

type where struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value any    `json:"value"`
}

type order struct {
	Field     string `json:"field"`
	Direction string `json:"direction"`
}

// Query is immutable: each method returns a new one.
type Query struct {
	c          client
	collection string
	where      []where
	orderBy    *order
	limit      int
	cursor     string
}

// Where adds a filter: op is ==, !=, <, <=, >, >=, in or array-contains.
func (q Query) Where(field, op string, value any) Query {
	q.where = append(append([]where{}, q.where...), where{field, op, value})
	return q
}

// OrderBy sorts by field, "asc" or "desc".
func (q Query) OrderBy(field, direction string) Query {
	if direction == "" {
		direction = "asc"
	}
	q.orderBy = &order{field, direction}
	return q
}

// Limit is 1-1000 (default 100).
func (q Query) Limit(n int) Query { q.limit = n; return q }

// StartAfter continues after a page: its NextCursor.
func (q Query) StartAfter(cursor string) Query { q.cursor = cursor; return q }

// Page is one page of documents and the cursor of the next (nil when none may follow).
type Page struct {
	Documents  []Document `json:"documents"`
	NextCursor *string    `json:"nextCursor"`
}

func (q Query) args() map[string]any {
	args := map[string]any{"collection": q.collection, "where": q.where}
	if q.where == nil {
		args["where"] = []where{}
	}
	if q.orderBy != nil {
		args["orderBy"] = q.orderBy
	}
	if q.limit > 0 {
		args["limit"] = q.limit
	}
	if q.cursor != "" {
		args["cursor"] = q.cursor
	}
	return args
}

// Get gives the matching documents (one page: Limit of them at most).
func (q Query) Get() ([]Document, error) {
	page, err := q.Page()
	return page.Documents, err
}

// Page gives one page and the cursor of the next.
func (q Query) Page() (Page, error) {
	var page Page
	err := q.c.call("db", "query", q.args(), &page)
	return page, err
}

// DeleteResult says how many documents went and whether more match.
type DeleteResult struct {
	Deleted int  `json:"deleted"`
	More    bool `json:"more"`
}

// Delete removes up to Limit (default and max 1000) matches; it needs a Where, or all=true.
func (q Query) Delete(all bool) (DeleteResult, error) {
	args := q.args()
	delete(args, "orderBy")
	delete(args, "cursor")
	if all {
		args["all"] = true
	}
	var result DeleteResult
	err := q.c.call("db", "deleteWhere", args, &result)
	return result, err
}

// Collection is a named collection: a Query of all its documents, plus Doc and Create.
type Collection struct{ Query }

// Doc is a document of the collection.
func (c *Collection) Doc(id string) *DocumentRef {
	return &DocumentRef{c: c.c, Collection: c.collection, ID: id}
}

// Create stores a new document (id generated unless given; FN_006 if it exists) and returns it.
func (c *Collection) Create(doc any) (Document, error) {
	var stored Document
	err := c.c.call("db", "create", map[string]any{"collection": c.collection, "doc": doc}, &stored)
	return stored, err
}

// DocumentRef is one document, there or not.
type DocumentRef struct {
	c          client
	Collection string
	ID         string
}

func (d *DocumentRef) args(more map[string]any) map[string]any {
	more["collection"], more["id"] = d.Collection, d.ID
	return more
}

// Get gives the document, or nil (and no error) when there is none.
func (d *DocumentRef) Get() (Document, error) {
	var doc Document
	found, err := unlessMissing(d.c.call("db", "get", d.args(map[string]any{}), &doc))
	if !found {
		return nil, err
	}
	return doc, nil
}

// Set replaces (or creates) the document.
func (d *DocumentRef) Set(doc any) (Document, error) {
	var stored Document
	err := d.c.call("db", "set", d.args(map[string]any{"doc": doc}), &stored)
	return stored, err
}

// Update applies a JSON merge patch (RFC 7396; nil removes a field); FN_001 when there is no document.
func (d *DocumentRef) Update(patch any) (Document, error) {
	var stored Document
	err := d.c.call("db", "update", d.args(map[string]any{"patch": patch}), &stored)
	return stored, err
}

// Delete removes the document: true if it was deleted, false if there was none.
func (d *DocumentRef) Delete() (bool, error) {
	return unlessMissing(d.c.call("db", "delete", d.args(map[string]any{}), nil))
}

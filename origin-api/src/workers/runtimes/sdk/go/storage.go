package sdk

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Object is a stored file's metadata.
type Object struct {
	Bucket      string `json:"bucket"`
	Path        string `json:"path"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
	ETag        string `json:"etag"`
	UpdatedAt   string `json:"updatedAt"`
}

// StorageClient is storage of the JS SDK: Storage(ctx).Bucket("uploads").File("a.txt").
type StorageClient struct{ c client }

// Storage gives the invocation's storage.
func Storage(ctx context.Context) *StorageClient { return &StorageClient{client{ctx}} }

// Bucket is a named bucket.
func (s *StorageClient) Bucket(name string) *Bucket { return &Bucket{c: s.c, Name: name} }

// Bucket holds files by path.
type Bucket struct {
	c    client
	Name string
}

// File is a file of the bucket, there or not.
func (b *Bucket) File(path string) *File { return &File{c: b.c, Bucket: b.Name, Path: path} }

// ObjectPage is one page of a listing and the cursor of the next (nil when none may follow).
type ObjectPage struct {
	Objects    []Object `json:"objects"`
	NextCursor *string  `json:"nextCursor"`
}

// List gives the objects under prefix in path order (one page: limit 1-1000, 0 for the default 100).
func (b *Bucket) List(prefix string, limit int) ([]Object, error) {
	page, err := b.ListPage(prefix, limit, "")
	return page.Objects, err
}

// ListPage gives one page of the listing; pass its NextCursor to get the next.
func (b *Bucket) ListPage(prefix string, limit int, cursor string) (ObjectPage, error) {
	args := map[string]any{"bucket": b.Name}
	if prefix != "" {
		args["prefix"] = prefix
	}
	if limit > 0 {
		args["limit"] = limit
	}
	if cursor != "" {
		args["cursor"] = cursor
	}
	var page ObjectPage
	err := b.c.call("storage", "list", args, &page)
	return page, err
}

// File is one stored object's name.
type File struct {
	c      client
	Bucket string
	Path   string
}

func (f *File) query() string {
	return "/storage?" + url.Values{"bucket": {f.Bucket}, "path": {f.Path}}.Encode()
}

func (f *File) args() map[string]any { return map[string]any{"bucket": f.Bucket, "path": f.Path} }

// Upload stores data (at most 10 MB; contentType "" for application/octet-stream) and returns its metadata.
func (f *File) Upload(data []byte, contentType string) (Object, error) {
	var answer struct {
		Result Object `json:"result"`
	}
	res, err := f.c.do("storage.upload", http.MethodPut, f.query(), data, contentType)
	if err != nil {
		return answer.Result, err
	}
	defer res.Body.Close()
	err = json.NewDecoder(res.Body).Decode(&answer)
	return answer.Result, err
}

// Download is a downloaded object.
type Download struct {
	Data        []byte
	ContentType string
	ETag        string
}

// Download gives the content; FN_001 when there is no such object.
func (f *File) Download() (*Download, error) {
	res, err := f.c.do("storage.download", http.MethodGet, f.query(), nil, "")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, &Error{Code: "FN_004", Message: "bunbase sdk storage.download: " + err.Error()}
	}
	return &Download{Data: data, ContentType: res.Header.Get("content-type"), ETag: strings.Trim(res.Header.Get("etag"), `"`)}, nil
}

// Exists says whether the object is there.
func (f *File) Exists() (bool, error) {
	var exists bool
	err := f.c.call("storage", "exists", f.args(), &exists)
	return exists, err
}

// Stat gives the metadata, or nil (and no error) when there is no such object.
func (f *File) Stat() (*Object, error) {
	var object Object
	found, err := unlessMissing(f.c.call("storage", "stat", f.args(), &object))
	if !found {
		return nil, err
	}
	return &object, nil
}

// Delete removes the object: true if it was deleted, false if there was none.
func (f *File) Delete() (bool, error) {
	return unlessMissing(f.c.call("storage", "delete", f.args(), nil))
}

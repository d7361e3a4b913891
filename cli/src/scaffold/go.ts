/** The Go scaffold (go1.x): `func Handler(w, r)` as in Google Cloud Functions; origin workers only. */
import type { Scaffold } from "./index.ts";
import { originReadme } from "./index.ts";
import { jsonConfig, testEvent } from "./node.ts";

export function goScaffold(name: string, runtime: string): Scaffold {
  const pkg = name.replace(/[^a-z0-9]/g, "") || "function";
  return {
    "function.config.json": jsonConfig(name, runtime, "Handler"),
    "go.mod": `module example.com/${pkg}\n\ngo 1.21\n`,
    "handler.go": `package ${pkg}

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
)

// Handler answers GET /${name}?name=you or POST /${name} {"name":"you"}.
func Handler(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if r.Method == http.MethodPost {
		var body struct {
			Name string \`json:"name"\`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err == nil && body.Name != "" {
			name = body.Name
		}
	}
	if name == "" {
		name = "world"
	}
	greeting := os.Getenv("GREETING")
	if greeting == "" {
		greeting = "Hello"
	}
	log.Printf("greeting %s", name)
	w.Header().Set("content-type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"message": greeting + ", " + name + "!", "method": r.Method})
}
`,
    "handler_test.go": `package ${pkg}

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerPost(t *testing.T) {
	req := httptest.NewRequest("POST", "/${name}", strings.NewReader(\`{"name":"world"}\`))
	rec := httptest.NewRecorder()
	Handler(rec, req)
	if !strings.Contains(rec.Body.String(), "Hello, world!") {
		t.Fatalf("unexpected body %q", rec.Body.String())
	}
}
`,
    "test-event.json": testEvent(name),
    "README.md": originReadme(name, runtime, "handler.go", "go test ./..."),
  };
}

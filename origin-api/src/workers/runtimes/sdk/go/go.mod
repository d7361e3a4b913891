module bunbase.dev/sdk

go 1.21

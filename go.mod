module shardmud

go 1.26.0

require (
	github.com/mattn/go-sqlite3 v1.14.53
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/crypto v0.59.0
)

require github.com/yuin/gopher-lua v1.1.2

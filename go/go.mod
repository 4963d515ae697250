module github.com/libuid2/libuid2/go

go 1.26

require (
	go.etcd.io/bbolt v1.3.11
	golang.org/x/crypto v0.31.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/stretchr/testify v1.9.0
	golang.org/x/sys v0.28.0
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

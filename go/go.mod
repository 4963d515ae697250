module github.com/libuid2/libuid2/go

go 1.26

require golang.org/x/crypto v0.31.0

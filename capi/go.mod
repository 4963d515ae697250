module github.com/libuid2/libuid2/capi

go 1.26

require github.com/libuid2/libuid2/go v0.0.0

require (
	golang.org/x/crypto v0.31.0 // indirect
	golang.org/x/sys v0.28.0 // indirect
)

replace github.com/libuid2/libuid2/go => ../go

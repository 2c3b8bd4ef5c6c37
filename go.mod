module github.com/ffjord-go/ffjord-go

go 1.26.8

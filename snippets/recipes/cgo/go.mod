module golang-journey.example.org/recipes/cgo

go 1.26

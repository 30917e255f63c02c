module golang-journey.example.org/vol3/reproducible

go 1.26

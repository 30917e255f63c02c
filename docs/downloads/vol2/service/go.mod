module golang-journey.example.org/vol2/service

go 1.26

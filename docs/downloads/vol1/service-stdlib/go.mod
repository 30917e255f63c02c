module example.com/journey/server

go 1.26

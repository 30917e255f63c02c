package main

import (
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// Location is where the author works from.
type Location struct {
	City     string `json:"city"`
	Country  string `json:"country"`
	TimeZone string `json:"timezone"`
}

// Project is one entry of the portfolio.
type Project struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Language    string `json:"language"`
}

// Profile is the public profile.
type Profile struct {
	Name     string   `json:"name"`
	Role     string   `json:"role"`
	Location Location `json:"location"`
	Links    []string `json:"links"`
}

var (
	here = Location{City: "Madrid", Country: "ES", TimeZone: "Europe/Madrid"}

	projects = []Project{
		{ID: 1, Name: "golang-journey", Description: "Tiny Docker images for Go services, measured", Language: "Go"},
		{ID: 2, Name: "platform-journey", Description: "Running containers on AWS ECS", Language: "HCL"},
		{ID: 3, Name: "dotfiles", Description: "A reproducible workstation", Language: "Shell"},
	}

	profile = Profile{
		Name:     "A. Gopher",
		Role:     "Backend engineer",
		Location: here,
		Links:    []string{"https://go.dev/", "https://docs.docker.com/build/building/multi-stage/"},
	}
)

// --8<-- [start:routes]
// NewRouter wires the API. Access logs go to logs (stdout in production).
func NewRouter(logs io.Writer) *gin.Engine {
	r := gin.New()
	r.Use(gin.LoggerWithWriter(logs, "/healthz"), gin.Recovery())

	r.GET("/healthz", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})

	v1 := r.Group("/v1")
	v1.GET("/location", func(c *gin.Context) {
		c.JSON(http.StatusOK, here)
	})
	v1.GET("/projects", func(c *gin.Context) {
		c.JSON(http.StatusOK, projects)
	})
	v1.GET("/projects/:id", projectByID)
	v1.GET("/profile", func(c *gin.Context) {
		c.JSON(http.StatusOK, profile)
	})
	v1.GET("/slow", slow)
	return r
}

// --8<-- [end:routes]

// projectByID answers one project, 400 for an id that is not a number and 404
// for one that does not exist.
func projectByID(c *gin.Context) {
	id, err := strconv.Atoi(c.Param("id"))
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "id must be a number"})
		return
	}
	for _, p := range projects {
		if p.ID == id {
			c.JSON(http.StatusOK, p)
			return
		}
	}
	c.JSON(http.StatusNotFound, gin.H{"error": "no such project"})
}

package viz_test

import (
	"fmt"
	"image/png"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
)

func ExampleTutorialFigure() {
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 2}, train.Settings{}, rand.NewPCG(1, 2))
	if err != nil {
		log.Fatal(err)
	}
	moons, err := datasets.Moons(1024, 0.06, true, rand.NewPCG(3, 4))
	if err != nil {
		log.Fatal(err)
	}
	// Before training the tutorial lets the axes fit the points; after it,
	// leave Autoscale false for its fixed limits. Samples defaults to 8192.
	fig, err := viz.TutorialFigure(flow, moons, viz.TutorialOptions{Samples: 512, Autoscale: true})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "viz")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "before.png")
	if err := fig.Save(path); err != nil {
		log.Fatal(err)
	}

	file, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer file.Close()
	cfg, err := png.DecodeConfig(file)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d panels, %d×%d pixels\n", len(fig.Plots[0]), cfg.Width, cfg.Height)
	// Output: 4 panels, 1600×600 pixels
}

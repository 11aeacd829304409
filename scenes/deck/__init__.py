"""Every scene as a slide deck (manim-slides): pauses at the key moments, speaker notes with the
figures, exported to one offline reveal.js HTML file and a PowerPoint file by `make slides`."""

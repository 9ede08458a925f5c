#!/usr/bin/env bash
# How the demo images were made: ffmpeg's synthetic sources only, so they carry no one else's copyright.
set -euo pipefail
cd "$(dirname "$0")"
ffmpeg -v error -y -f lavfi -i "gradients=s=640x360:c0=0x1a2a6c:c1=0xfdbb2d:c2=0xb21f1f:x0=0:y0=0:x1=640:y1=360:nb_colors=3:seed=7" -frames:v 1 dawn.png
ffmpeg -v error -y -f lavfi -i "mandelbrot=s=640x360:start_scale=1.5:end_pts=1" -frames:v 1 spiral.png
ffmpeg -v error -y -f lavfi -i "life=s=160x90:mold=10:r=10:ratio=0.1:death_color=#1b3b2f:life_color=#c7f464,scale=640:360:flags=neighbor" -frames:v 1 garden.png
ffmpeg -v error -y -f lavfi -i "cellauto=s=640x360:rule=30:random_fill_ratio=0.5:random_seed=3" -vf "colorchannelmixer=.3:.4:.3:0:.2:.3:.5:0:.6:.2:.2:0" -frames:v 1 weave.png
ffmpeg -v error -y -f lavfi -i "gradients=s=360x640:c0=0x0f2027:c1=0x2c5364:c2=0xf0e68c:x0=180:y0=0:x1=180:y1=640:nb_colors=3:seed=3" -frames:v 1 tower.png

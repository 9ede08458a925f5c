#!/usr/bin/env bash
# How the demo's music bed was made: a 12-second plucked arpeggio over Am, F, C and G from ffmpeg's aevalsrc,
# so it carries no one else's copyright. The demo film is longer than it: storyreel loops it.
set -euo pipefail
cd "$(dirname "$0")"
root='if(lt(mod(t,12),3),220,if(lt(mod(t,12),6),174.61,if(lt(mod(t,12),9),261.63,196)))'
step='mod(floor(t*4),3)'
third='if(lt(mod(t,12),3),1.2,1.26)'
ratio="if(eq($step,0),1,if(eq($step,1),$third,1.5))"
pluck="0.35*exp(-5*mod(t,0.25))*sin(2*PI*t*$root*$ratio)"
pad="0.1*sin(2*PI*t*$root/2)+0.06*sin(2*PI*t*$root*0.75)"
ffmpeg -v error -y -f lavfi -i "aevalsrc='$pluck+$pad':s=44100:d=12" -af "afade=t=in:d=0.05,afade=t=out:st=11.9:d=0.1" \
  -ac 1 -c:a libmp3lame -b:a 48k theme.mp3

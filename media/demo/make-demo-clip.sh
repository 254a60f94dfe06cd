#!/usr/bin/env bash
# Makes the demo clips from scratch on a Debian machine (ffmpeg, espeak-ng, fonts-dejavu-core).
# The outputs are committed, so the demo needs none of these tools; this script documents
# exactly how they were made and lets anyone regenerate them.
set -euo pipefail
cd "$(dirname "$0")"
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. phone-call.mp4 — video with speech. A dim hallway-blue frame, a caption naming the scene,
#    and a burned-in subtitle that repeats what is said, as in many omni-modal training sets.
#    The voice is slow and low, which is the paralinguistic cue the demo question rests on.
espeak-ng -v en-us -s 115 -p 25 -w "$tmp/call.wav" \
  "Oh. Sorry, I can't make it tonight. Maybe next week, I guess."
# drawtext reads the subtitle from a file: an apostrophe inside the filter string needs
# several levels of escaping, a file needs none.
printf "%s" "Sorry, I can't make it tonight." > "$tmp/subtitle.txt"
dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$tmp/call.wav")
ffmpeg -v error -nostdin -y \
  -f lavfi -i "color=c=0x1e2a3a:s=320x180:r=15:d=${dur}" -i "$tmp/call.wav" \
  -vf "drawtext=fontfile=${font}:text='[hallway, evening]':fontcolor=0xb0c4de:fontsize=14:x=10:y=10,\
drawbox=x=120:y=50:w=80:h=90:color=0x8a6d5a@1:t=fill,\
drawtext=fontfile=${font}:textfile=$tmp/subtitle.txt:fontcolor=white:fontsize=15:x=(w-text_w)/2:y=h-28:box=1:boxcolor=black@0.6" \
  -c:v libx264 -preset veryslow -crf 34 -pix_fmt yuv420p -c:a aac -b:a 32k -ac 1 -ar 16000 \
  -shortest -movflags +faststart phone-call.mp4

# 2. slide-count.mp4 — video only, no audio stream at all: a static slide with a number on it.
ffmpeg -v error -nostdin -y \
  -f lavfi -i "color=c=0xf4f1ea:s=320x180:r=5:d=4" \
  -vf "drawtext=fontfile=${font}:text='Warehouse check':fontcolor=0x333333:fontsize=18:x=(w-text_w)/2:y=40,\
drawtext=fontfile=${font}:text='Total\: 42 boxes':fontcolor=0x8b0000:fontsize=26:x=(w-text_w)/2:y=90" \
  -c:v libx264 -preset veryslow -crf 34 -pix_fmt yuv420p -an -movflags +faststart slide-count.mp4

# 3. doorbell.wav — audio only: a two-tone chime, then a short spoken line.
ffmpeg -v error -nostdin -y -f lavfi -i "sine=f=660:d=0.35" -f lavfi -i "sine=f=523:d=0.5" \
  -filter_complex "[0][1]concat=n=2:v=0:a=1,volume=0.4" -ar 16000 -ac 1 "$tmp/chime.wav"
espeak-ng -v en-us -s 160 -p 55 -w "$tmp/visitor.wav" "Hi! Your package is here."
ffmpeg -v error -nostdin -y -i "$tmp/chime.wav" -i "$tmp/visitor.wav" \
  -filter_complex "[0]aresample=16000[a];[1]aresample=16000[b];[a][b]concat=n=2:v=0:a=1" \
  -ac 1 -ar 16000 -c:a pcm_s16le doorbell.wav

ls -l phone-call.mp4 slide-count.mp4 doorbell.wav

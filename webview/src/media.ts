// The clip player, or a plain sentence saying why there is none.

import type { MediaInfo } from '../../src/protocol/messages';
import type { ClipRef } from '../../src/core/types';
import { el } from './dom';

function fragment(clip: ClipRef | undefined): string {
  if (!clip || (clip.start === undefined && clip.end === undefined)) return '';
  return `#t=${clip.start ?? 0}${clip.end !== undefined ? ',' + clip.end : ''}`;
}

function missing(reason: string, path?: string): HTMLElement {
  return el('div', { class: 'media-missing', testid: 'media-missing' }, [
    el('span', { class: 'media-missing-icon', text: '⊘', attrs: { 'aria-hidden': 'true' } }),
    el('span', { text: reason }),
    path && !reason.includes(path) ? el('code', { class: 'media-path', text: path }) : null,
  ]);
}

export function renderMedia(info: MediaInfo, clip?: ClipRef): HTMLElement {
  if (info.status !== 'ok') return missing(info.reason, info.path);
  const wrap = el('div', { class: 'media', testid: 'media' });
  let player: HTMLMediaElement | HTMLImageElement;
  if (info.kind === 'image') {
    const img = el('img', { class: 'media-image', attrs: { alt: info.path } });
    img.src = info.src;
    player = img;
  } else {
    const m = info.kind === 'video' ? el('video', { class: 'media-video' }) : el('audio', { class: 'media-audio' });
    m.controls = true;
    m.preload = 'metadata';
    m.src = info.src + fragment(clip);
    player = m;
  }
  player.addEventListener('error', () => {
    wrap.replaceChildren(missing(`could not load the clip (${info.kind}): the file may be unreadable or in a format this view cannot play`, info.path));
  });
  wrap.appendChild(player);
  const caption: string[] = [info.path];
  if (clip?.start !== undefined || clip?.end !== undefined) caption.push(`${clip.start ?? 0}s – ${clip.end ?? 'end'}${clip.end !== undefined ? 's' : ''}`);
  if (clip?.hasAudio === false) caption.push('no audio track');
  wrap.appendChild(el('div', { class: 'media-caption', text: caption.join(' · ') }));
  return wrap;
}

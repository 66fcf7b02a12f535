import { createHash } from 'node:crypto';
import type { LeadershipChange } from './leadership.js';
import type { ElectionStatus } from './status.js';
import { RETRY_AFTER_S } from './streams.js';

/**
 * The live page's reconnects to `/events`: after the n-th failure in a row (a dropped or refused
 * stream) it waits step n (the last one for ever after), plus up to half of it again (jitter). So
 * its k-th reconnect after a drop comes no sooner than the sum of the first k steps: a bound that
 * neither jitter nor a slow machine can break, as both only delay.
 */
export const RECONNECT_STEPS_MS: readonly number[] = [1000, 5000, 10_000, 20_000, 30_000];
/** A stream that lasted this long was healthy: the next failure waits the first step again. */
export const STABLE_STREAM_MS = 5000;

/**
 * The live page: one HTML document with inline CSS and JS, no external assets (it works offline),
 * no framework, no build step. It renders from the JSON embedded at the end and then from the
 * `/events` stream (`snapshot`, `status`, `leader`), without reloading. State is written as text
 * everywhere (LEADER, this node, observer…); colour only repeats it.
 */

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#fff;--card:#f6f8fa;--line:#d0d7de;--accent:#0a6b2d;--warn:#8a4600;--bar:#1f883d;--bar2:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--card:#161b22;--line:#30363d;--accent:#3fb950;--warn:#d29922;--bar:#2ea043;--bar2:#2f81f7}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:64rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.5rem;margin:0 0 .25rem;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:0 0 .5rem}
.muted{color:var(--muted)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr));gap:1rem;margin:1rem 0}
section{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:1rem;min-width:0;overflow-wrap:anywhere}
.big{font-size:1.6rem;font-weight:700;overflow-wrap:anywhere}
.badge{display:inline-block;border:1px solid currentColor;border-radius:.25rem;padding:0 .4rem;font-size:.8rem;font-weight:700;letter-spacing:.03em}
.leader{color:var(--accent)}
.warn{color:var(--warn)}
.bar{height:1rem;border:1px solid var(--line);border-radius:.25rem;background:var(--bg);overflow:hidden;margin:.5rem 0}
.bar>div{height:100%;width:0;background:var(--bar)}
.scroll{overflow-x:auto}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);overflow-wrap:break-word;vertical-align:top}
#cluster td:first-child,#cluster td:last-child,#members td:nth-child(2){overflow-wrap:anywhere}
th{font-size:.85rem;color:var(--muted)}
tr.self td{font-weight:600}
tr.gone td{color:var(--muted)}
ol{margin:0;padding-left:1.25rem}
li{margin:.2rem 0}
time{font-variant-numeric:tabular-nums}
.gap{margin-top:1rem}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{fill:var(--muted);font-size:11px}
svg.chart .lane{fill:var(--bg);stroke:var(--line)}
svg.chart .seg{fill:var(--bar)}
svg.chart .seg.self{fill:var(--bar2)}
svg.chart .tick{stroke:var(--line)}
svg.chart text.axis{font-style:italic}
`;

// Plain ES2017 in a string: no template literals inside, so nothing here is interpolated by accident.
const SCRIPT = `
(function(){
  var $=function(id){return document.getElementById(id)};
  var boot=JSON.parse($('election-data').textContent);
  // Every request is relative to where the page is: behind a proxy that strips a prefix
  // (/ops/election/ -> /election/), the page's own address is the only one that reaches the handler.
  var path=location.pathname;
  var base=boot.publicPath!==null?boot.publicPath+'/':(path.charAt(path.length-1)==='/'?path:path+'/');
  var status=null, timeline=[], scale=0, leaseAt=0, leaseMs=null, HOUR=3600000, SVG='http://www.w3.org/2000/svg';
  // The server's wall clock, which stamps the timeline: the chart spans seconds at first, so a
  // browser clock a few seconds off would draw a leadership off the chart or over what it did not lead.
  // Carried on by the browser's monotonic clock from the server's last reading (the page, then every
  // snapshot), so a step of the browser's wall clock after the page loaded does not move the chart.
  var serverAt=typeof boot.now==='number'?boot.now:Date.now(), monoAt=performance.now();
  function serverNow(){return serverAt+(performance.now()-monoAt)}
  function text(el,value){el.textContent=value==null?'':String(value)}
  function cell(tr,value,cls){var td=document.createElement('td');text(td,value);if(cls)td.className=cls;tr.appendChild(td);return td}
  function badge(td,label,cls){var b=document.createElement('span');b.className='badge '+(cls||'');text(b,label);td.appendChild(document.createTextNode(' '));td.appendChild(b)}
  function secs(ms){return (Math.max(0,ms)/1000).toFixed(1)+' s'}
  function pad(n){return (n<10?'0':'')+n}
  function clock(at){var d=new Date(at);return pad(d.getHours())+':'+pad(d.getMinutes())+':'+pad(d.getSeconds())}
  function day(d){return d.getFullYear()+'-'+pad(d.getMonth()+1)+'-'+pad(d.getDate())}
  // A time of day, with the date in front when it is not today.
  function when(at){var d=new Date(at);return (day(d)===day(new Date())?'':day(d)+' ')+clock(at)}
  function renderStatus(s){
    status=s;
    text($('title-id'),s.id);
    text($('meta'),s.backend+' backend, '+s.mode+' mode');
    text($('leader'),s.leaderId===null?'none':s.leaderId);
    $('leader').className='big'+(s.leaderId===null?' warn':' leader');
    text($('term'),s.term===null?(s.leaderId===null?'No leader in view.':'No fencing token (view mode).'):'Term '+s.term);
    var since=$('since');since.textContent='';
    if(s.leaderId!==null&&s.leaderSince!=null){
      since.appendChild(document.createTextNode(s.isLeader?'Leading since ':'Leading since (as seen here) '));
      var t=document.createElement('time');t.dateTime=new Date(s.leaderSince).toISOString();text(t,when(s.leaderSince));since.appendChild(t);
    }
    text($('phase'),s.phase+(s.isLeader?' (LEADER)':''));
    text($('reason'),s.reasonText);
    var body=$('members');body.textContent='';
    s.ranking.forEach(function(m,i){
      var tr=document.createElement('tr');if(m.self)tr.className='self';
      cell(tr,m.observer?'–':String(i+1));
      var id=cell(tr,m.id);
      if(m.leader)badge(id,'LEADER','leader');
      if(m.self)badge(id,'this node');
      cell(tr,m.priority);
      cell(tr,m.observer?'observer':'candidate');
      body.appendChild(tr);
    });
    text($('member-count'),s.ranking.length+(s.ranking.length===1?' member':' members'));
    leaseMs=s.leaseRemainingMs;leaseAt=performance.now();
    if(leaseMs!==null&&leaseMs>scale)scale=leaseMs;
    renderLease();
  }
  function renderLease(){
    var bar=$('lease'), label=$('lease-text'), fill=bar.firstElementChild;
    if(leaseMs===null){
      fill.style.width='0';bar.setAttribute('aria-valuenow','0');
      text(label,!status?'':status.isLeader?'This node leads with no lease to run out: its backend has none (static membership).':status.leaderId!==null?'This node does not lead, so it holds no leader lease; '+status.leaderId+' leads.':'This node holds no leader lease.');
      return;
    }
    var left=Math.max(0,leaseMs-(performance.now()-leaseAt)), max=Math.max(scale,1);
    fill.style.width=(100*Math.min(1,left/max)).toFixed(1)+'%';
    bar.setAttribute('aria-valuemax',String(Math.round(max)));bar.setAttribute('aria-valuenow',String(Math.round(left)));
    text(label,secs(left)+' left of '+secs(max)+' (renewed well before it runs out).');
  }
  function entry(c){
    var li=document.createElement('li'), t=document.createElement('time');
    t.dateTime=new Date(c.at).toISOString();text(t,when(c.at));li.appendChild(t);
    li.appendChild(document.createTextNode(' '+(c.previousLeaderId===null?'none':c.previousLeaderId)+' → '+(c.leaderId===null?'none':c.leaderId)+(c.term===null?'':' (term '+c.term+')')+': '+c.reason));
    return li;
  }
  function svg(parent,name,attrs,content){
    var el=document.createElementNS(SVG,name);
    for(var k in attrs)el.setAttribute(k,String(attrs[k]));
    if(content!=null)el.textContent=String(content);
    parent.appendChild(el);return el;
  }
  // Axis steps, ms: the smallest that gives at most 6 ticks over the span drawn.
  var chartTimer=0;
  var STEPS=[1e3,2e3,5e3,1e4,15e3,3e4,6e4,12e4,3e5,6e5,9e5];
  function duration(ms){var s=Math.round(ms/1000);return s<60?s+' s':s<3600?Math.floor(s/60)+' min'+(s%60?' '+s%60+' s':''):'1 h'}
  // Who led when: one lane per leader, a bar per leadership, gaps left empty. Over the last hour,
  // or, before this node has seen an hour of changes, over the span it has seen (at least 10 s),
  // so a young cluster's leaderships are bars, not slivers. The axis says which. Redrawn as often as a
  // pixel of its width is worth (every second on a short span, every 12 s on the hour).
  function renderChart(){
    var now=serverNow(), first=timeline.length>0?Math.min(timeline[0].at,now):now;
    var span=Math.min(HOUR,Math.max(10000,(now-first)*1.05)), from=now-span, segs=[], lanes=[], current=null, start=from;
    var before=timeline.filter(function(c){return c.at<=from});
    if(before.length>0)current=before[before.length-1].leaderId;
    else if(timeline.length>0)current=timeline[0].previousLeaderId;
    timeline.forEach(function(c){
      if(c.at<=from)return;
      if(current!==null)segs.push({id:current,from:start,to:c.at});
      current=c.leaderId;start=c.at;
    });
    if(current!==null)segs.push({id:current,from:start,to:now});
    segs.forEach(function(s){if(lanes.indexOf(s.id)<0)lanes.push(s.id)});
    var box=$('chart');box.textContent='';
    var W=720,L=120,R=8,LH=22,AX=34,H=lanes.length*LH+AX, x=function(at){return L+(W-L-R)*(at-from)/span};
    var root=svg(box,'svg',{'class':'chart',viewBox:'0 0 '+W+' '+H,role:'img','aria-labelledby':'h-chart'});
    var step=STEPS.filter(function(ms){return span/ms<=6})[0]||HOUR/4, base=lanes.length*LH;
    // No tick label within 64 px of "now", so the two never overlap.
    for(var t=Math.ceil(from/step)*step;x(t)<x(now)-64;t+=step){
      var tx=x(t);svg(root,'line',{'class':'tick',x1:tx,x2:tx,y1:0,y2:base+4});
      svg(root,'text',{x:tx,y:base+16,'text-anchor':'middle'},clock(t));
    }
    svg(root,'line',{'class':'tick',x1:x(now),x2:x(now),y1:0,y2:base+4});
    svg(root,'text',{x:W-R,y:base+16,'text-anchor':'end'},'now');
    svg(root,'text',{'class':'axis',x:L,y:H-3},span>=HOUR?'time (hh:mm:ss), the last hour':'time (hh:mm:ss), the last '+duration(span)+', since the oldest change kept here');
    lanes.forEach(function(id,i){
      var y=i*LH+2;
      svg(root,'rect',{'class':'lane',x:L,y:y,width:W-L-R,height:LH-6});
      svg(root,'text',{x:L-6,y:y+LH-11,'text-anchor':'end'},id.length>16?id.slice(0,15)+'…':id);
      segs.forEach(function(s){
        if(s.id!==id)return;
        var r=svg(root,'rect',{'class':'seg'+(status&&s.id===status.id?' self':''),x:x(s.from),y:y,width:Math.max(1,x(s.to)-x(s.from)),height:LH-6});
        svg(r,'title',{},s.id+' led '+when(s.from)+' – '+(s.to===now?'now':when(s.to)));
      });
    });
    text($('chart-empty'),lanes.length===0?'No leader in the last hour as this node saw it.':'');
    clearTimeout(chartTimer);chartTimer=setTimeout(renderChart,Math.min(30000,Math.max(1000,span/300)));
  }
  function renderTimeline(){
    var list=$('timeline');list.textContent='';
    timeline.slice(-boot.timelineSize).reverse().forEach(function(c){list.appendChild(entry(c))});
    text($('timeline-empty'),timeline.length===0?'No leadership change seen yet.':'');
    renderChart();
  }
  function renderCluster(view){
    var body=$('cluster');body.textContent='';
    view.members.forEach(function(m){
      var tr=document.createElement('tr'), s=m.status;
      if(!m.present)tr.className='gone';else if(m.id===view.self)tr.className='self';
      var id=cell(tr,m.id);
      if(s&&s.isLeader)badge(id,'LEADER','leader');
      if(m.id===view.self)badge(id,'this node');
      cell(tr,!m.present?'gone':s?(s.isLeader?'leader':s.phase):'unknown');
      cell(tr,s&&s.term!==null?s.term:'');
      cell(tr,s&&s.leaseRemainingMs!==null?secs(s.leaseRemainingMs):'');
      cell(tr,!m.present?'gone since '+when(m.goneSince):s?s.reasonText:'No status: '+m.error+'.',!m.present||!s?'warn':'');
      body.appendChild(tr);
    });
    text($('cluster-at'),'as of '+clock(view.at));
  }
  var clusterTimer=0;
  function loadCluster(){
    clearTimeout(clusterTimer);
    fetch(base+'cluster',{cache:'no-store'}).then(function(r){if(!r.ok)throw new Error('HTTP '+r.status);return r.json()})
      .then(renderCluster,function(e){text($('cluster-at'),'could not load the cluster: '+e.message)})
      .then(function(){clusterTimer=setTimeout(loadCluster,document.hidden?15000:3000)});
  }
  function connection(label,cls){var el=$('connection');text(el,label);el.className='badge '+cls}
  renderStatus(boot.status);timeline=boot.timeline;renderTimeline();
  setInterval(renderLease,200);
  if(window.fetch)loadCluster();
  if(!window.EventSource){connection('no live updates in this browser: reload to refresh','warn');return}
  // Every reconnect is the page's own, on one schedule (boot.reconnect, from RECONNECT_STEPS_MS):
  // at the first error it closes its EventSource, so EventSource never reconnects by itself. Left
  // open, a dropped stream is "reestablished" by EventSource after its reconnection time (the
  // server's retry:, or the browser's default, 3 s in Chromium, on a new one: its readyState is
  // CONNECTING at the error), on top of any reconnect the page schedules, while close() sets CLOSED
  // and cancels that (WHATWG HTML, server-sent events: "reestablish the connection", "fail the
  // connection", close()). A refused stream (non-200: 503 at the server's maxStreams, a proxy's 502)
  // is CLOSED already at its error; the page waits the server's Retry-After (5 s) at the least then,
  // which EventSource cannot read.
  var R=boot.reconnect,failures=0,openedAt=0;
  function connect(){
    var es=new EventSource(base+'events');
    es.addEventListener('open',function(){openedAt=performance.now();connection('live','leader')});
    es.addEventListener('error',function(){
      var refused=es.readyState===2;
      es.close(); // no event of it after this: one error per EventSource, one reconnect per error
      // A stream that lasted stableMs was healthy: the schedule starts again from its first step.
      if(openedAt&&performance.now()-openedAt>=R.stableMs)failures=0;
      openedAt=0;
      var step=R.stepsMs[Math.min(failures,R.stepsMs.length-1)];failures++;
      if(refused)step=Math.max(step,R.refusedMs);
      // Jitter only lengthens a step (up to half of it again), so the tabs a restart dropped spread out.
      var delay=Math.round(step+Math.random()*step/2);
      connection('disconnected, reconnecting in '+Math.ceil(delay/1000)+' s…','warn');
      setTimeout(connect,delay);
    });
    es.addEventListener('snapshot',function(e){var d=JSON.parse(e.data);if(typeof d.now==='number'){serverAt=d.now;monoAt=performance.now()}timeline=d.timeline;renderTimeline();renderStatus(d.status)});
    es.addEventListener('status',function(e){renderStatus(JSON.parse(e.data))});
    es.addEventListener('leader',function(e){
      var c=JSON.parse(e.data);timeline.push(c);
      var from=serverNow()-HOUR;while(timeline.length>boot.timelineSize&&timeline.length>1&&timeline[1].at<from)timeline.shift();
      renderTimeline();loadCluster();
      text($('announce'),'Leader is now '+(c.leaderId===null?'none':c.leaderId)+'.');
    });
  }
  connect();
})();
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Only the inline script and style above may run: nothing injected through an id can execute. */
export const PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
/** JSON that cannot close the <script> element it sits in. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

export interface PageData {
  readonly title: string;
  /** Where browsers reach the handler, if set; else the page resolves from its own address. */
  readonly publicPath: string | null;
  readonly status: ElectionStatus;
  readonly timeline: readonly LeadershipChange[];
  readonly timelineSize: number;
  /** The link to `/status`, relative to the page's own address. */
  readonly statusHref: string;
}

export function renderPage(data: PageData): string {
  const title = escapeHtml(data.title);
  const id = escapeHtml(data.status.id);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}: ${id}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>${title}: <span id="title-id">${id}</span></h1>
<p class="muted"><span id="meta"></span> · updates: <span id="connection" class="badge">connecting…</span></p>
</header>
<noscript><p>This page updates itself with JavaScript. Without it, read <a href="${escapeHtml(data.statusHref)}">/status</a>.</p></noscript>
<div class="grid">
<section aria-labelledby="h-leader">
<h2 id="h-leader">Leader</h2>
<div id="leader" class="big"></div>
<div id="term" class="muted"></div>
<div id="since" class="muted"></div>
</section>
<section aria-labelledby="h-node">
<h2 id="h-node">This node</h2>
<div>Phase: <strong id="phase"></strong></div>
<div>Why: <span id="reason"></span></div>
</section>
<section aria-labelledby="h-lease">
<h2 id="h-lease">Lease remaining</h2>
<div id="lease" class="bar" role="progressbar" aria-labelledby="h-lease" aria-describedby="lease-text" aria-valuemin="0" aria-valuemax="1" aria-valuenow="0"><div></div></div>
<div id="lease-text" class="muted"></div>
</section>
</div>
<section aria-labelledby="h-cluster">
<h2 id="h-cluster">Cluster <span id="cluster-at" class="muted"></span></h2>
<p class="muted">Every member's own status, asked by this node; members that left are listed as gone for a while.</p>
<div class="scroll"><table>
<thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Term</th><th scope="col">Lease left</th><th scope="col">Why</th></tr></thead>
<tbody id="cluster"></tbody>
</table></div>
</section>
<section aria-labelledby="h-chart" class="gap">
<h2 id="h-chart">Who led when (the last hour at most)</h2>
<p id="chart-empty" class="muted"></p>
<div id="chart"></div>
</section>
<section aria-labelledby="h-members" class="gap">
<h2 id="h-members">Members in election order <span id="member-count" class="muted"></span></h2>
<p class="muted">As this node sees them: lower priority first, then id in UTF-8 byte order; observers last, never elected.</p>
<table>
<thead><tr><th scope="col">Rank</th><th scope="col">Id</th><th scope="col">Priority</th><th scope="col">Role</th></tr></thead>
<tbody id="members"></tbody>
</table>
</section>
<section aria-labelledby="h-timeline" class="gap">
<h2 id="h-timeline">Leadership changes, newest first</h2>
<p id="timeline-empty" class="muted"></p>
<ol id="timeline" reversed></ol>
</section>
<div id="announce" class="sr-only" role="status" aria-live="polite"></div>
</main>
<script type="application/json" id="election-data">${scriptJson({
    publicPath: data.publicPath,
    status: data.status,
    timeline: data.timeline,
    timelineSize: data.timelineSize,
    reconnect: { stepsMs: RECONNECT_STEPS_MS, stableMs: STABLE_STREAM_MS, refusedMs: RETRY_AFTER_S * 1000 },
    now: Date.now(), // the server's wall clock as the page is rendered: the timeline's
  })}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

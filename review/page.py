"""The review app's one page: the queue, a card per doubtful cell, accept / correct / unreadable.

Self-contained (inline CSS and script, nothing fetched but the app's own API, which it calls with the
token of its URL).
"""

from __future__ import annotations

SHOWN = 60  # cards drawn at once; the next ones come as these are decided

PAGE = (
    """<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>govreport review</title>
<style>
body{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:0;background:#f4f4f4;color:#222}
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:8px 16px;z-index:2}
h1{font-size:17px;margin:0}#progress{font-size:14px}#bar{height:6px;background:#ddd;margin-top:4px}
#bar i{display:block;height:6px;background:#16a34a;width:0}
main{padding:12px;display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:10px}
.item{background:#fff;box-shadow:0 1px 3px #0003;padding:8px;font-size:13px}
.item.done{opacity:.6}.item img{display:block;max-width:100%;max-height:170px;margin:4px 0;border:1px solid #999}
.f{font-family:monospace;font-size:12px;color:#444}.lab{font-weight:bold}.rep{color:#666;font-size:12px}
.why{color:#b91c1c;font-size:12px}.err{color:#b91c1c;font-weight:bold}
input.val{width:7em;font-size:15px}button{font-size:13px;margin-left:4px}
h2{grid-column:1/-1;font-size:15px;margin:8px 0 0}
</style></head><body>
<header><h1>Doubtful cells</h1><div id="progress">loading…</div><div id="bar"><i></i></div></header>
<main id="queue"></main>
<script>
(function(){
  var token=new URLSearchParams(location.search).get('token')||'', SHOWN="""
    + str(SHOWN)
    + """;
  function q(s,e){return (e||document).querySelector(s);}
  function el(tag,cls,text){var e=document.createElement(tag);if(cls){e.className=cls;}if(text!==undefined){e.textContent=text;}return e;}
  function api(path,body){
    var opt={headers:{'X-Token':token}};
    if(body){opt.method='POST';opt.headers['Content-Type']='application/json';opt.body=JSON.stringify(body);}
    return fetch(path,opt).then(function(r){return r.json().then(function(j){if(!r.ok){throw new Error(j.error||r.status);}return j;});});
  }
  function shown(v){return v===null||v===undefined?'blank':String(v);}
  function card(it){
    var d=el('div','item'+(it.review?' done':''));d.dataset.report=it.report;d.dataset.field=it.field;
    d.appendChild(el('div','lab',it.label));
    d.appendChild(el('div','f',it.field));
    d.appendChild(el('div','rep',it.report+(it.page?' · page '+it.page:'')));
    var img=el('img');img.alt='crop';img.loading='lazy';
    img.src='/api/crop?report='+encodeURIComponent(it.report)+'&field='+encodeURIComponent(it.field)+'&token='+encodeURIComponent(token);
    img.onerror=function(){img.remove();};d.appendChild(img);
    d.appendChild(el('div','read','read '+(it.raw===null?'(nothing)':JSON.stringify(it.raw))+' as '+shown(it.value)+
      ', confidence '+(it.confidence===null?'?':Number(it.confidence).toFixed(2))));
    if(it.alternatives.length){d.appendChild(el('div','alts','alternatives: '+it.alternatives.join(', ')));}
    it.why.forEach(function(w){d.appendChild(el('div','why',w));});
    if(it.review){d.appendChild(el('div','rev','reviewed: '+it.review+' → '+shown(it.value)));}
    var row=el('div','act'),inp=el('input','val');inp.value=it.value===null?'':String(it.value);inp.setAttribute('aria-label','value');
    row.appendChild(inp);
    [['accept','confirm','Accept'],['correct','correct','Correct'],['unreadable','unreadable','Unreadable']].forEach(function(b){
      var btn=el('button',b[0],b[2]);btn.type='button';
      btn.onclick=function(){decide(d,it,b[1],inp.value.trim());};row.appendChild(btn);});
    inp.addEventListener('keydown',function(ev){if(ev.key==='Enter'){decide(d,it,'correct',inp.value.trim());}});
    d.appendChild(row);d.appendChild(el('div','err'));
    return d;
  }
  function decide(d,it,action,value){
    q('.err',d).textContent='';
    api('/api/decide',{report:it.report,field:it.field,action:action,value:action==='correct'?(value===''?null:value):null})
      .then(load).catch(function(e){q('.err',d).textContent=e.message;});
  }
  function load(){
    return api('/api/queue').then(function(data){
      var main=q('#queue');main.textContent='';
      var open=data.items.filter(function(i){return !i.review;}), done=data.items.filter(function(i){return i.review;});
      q('#progress').textContent=data.reviewed+' of '+data.total+' reviewed · '+data.reports+' reports';
      q('#bar i').style.width=(data.total?100*data.reviewed/data.total:100)+'%';
      open.slice(0,SHOWN).forEach(function(i){main.appendChild(card(i));});
      var left=data.total-data.reviewed;
      if(left>SHOWN){main.appendChild(el('h2','',(left-SHOWN)+' more after these'));}
      if(done.length){main.appendChild(el('h2','','reviewed ('+done.length+')'));done.slice(0,SHOWN).forEach(function(i){main.appendChild(card(i));});}
      document.body.dataset.reviewed=String(data.reviewed);document.body.dataset.total=String(data.total);
      document.body.dataset.ready='1';
    }).catch(function(e){q('#progress').textContent='error: '+e.message;});
  }
  load();
})();
</script></body></html>"""
)

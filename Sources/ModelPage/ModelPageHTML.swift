import Foundation
import GraphLayout
import Report

/// One self-contained HTML page of a model (inline SVG, CSS and script; nothing fetched): the graph laid
/// out by Graphviz with one `data-layer` node per layer, file facts at the top, a search box (also `?q=NAME`),
/// a heat colouring by any metric the nodes carry, nested models collapsed or expanded, and a panel
/// showing the selected layer's facts, weights and config.
public enum ModelPageHTML {
    public static func render(_ page: PageModel) throws -> String {
        var views = [try view(page, expanded: false)]
        if page.hasNested { views.append(try view(page, expanded: true)) }
        let data = try JSONEncoder().encode(page)
        let json = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
        let metrics = page.heatMetrics
        var h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        h += "<title>\(esc(page.title)) — ConvScope</title><style>\(css)</style></head>\n<body>"
        h += "<header><h1>\(esc(page.title))</h1><dl class=\"facts\">"
        for f in page.facts { h += "<div><dt>\(esc(f.label))</dt><dd>\(esc(f.value))</dd></div>" }
        h += "</dl>"
        for n in page.notes { h += "<p class=\"note\">\(esc(n))</p>" }
        h += "<nav><input id=\"search\" type=\"search\" placeholder=\"find a layer by name\" autocomplete=\"off\">"
        h += "<span id=\"matches\"></span><label>heat <select id=\"heat\"><option value=\"\">none</option>"
        for m in metrics {
            h += "<option value=\"\(esc(m.key))\"\(m.key == page.defaultHeat ? " selected" : "")>\(esc(m.label))</option>"
        }
        h += "</select></label><span id=\"legend\"></span>"
        if page.hasNested { h += "<button id=\"nested\" type=\"button\">expand nested models</button>" }
        h += "</nav></header>\n<main><div id=\"graph\">"
        h += views.joined()
        h += "</div><aside id=\"details\"><p class=\"hint\">Click a layer to see its config, weights and statistics.</p></aside></main>\n"
        h += "<script type=\"application/json\" id=\"model-data\">\(json)</script>\n<script>\(script)</script></body></html>\n"
        return h
    }

    /// One laid-out view, its boxes carrying `data-layer` and its clusters `data-model`.
    static func view(_ page: PageModel, expanded: Bool) throws -> String {
        let (diagram, boxes, clusters) = PageDiagram.make(page, options: .init(expandNested: expanded))
        let svg = String(decoding: try GraphvizRenderer.render(diagram, format: .svg), as: UTF8.self)
        return "<div class=\"view\" data-view=\"\(expanded ? "expanded" : "collapsed")\"\(expanded ? " hidden" : "")>"
            + annotate(svg, boxes: boxes, clusters: clusters) + "</div>"
    }

    /// Graphviz's SVG without its XML prolog, each `<g id="nK" class="node">` given `data-layer`.
    static func annotate(_ svg: String, boxes: [String: String], clusters: [String: String]) -> String {
        var s = svg
        if let start = s.range(of: "<svg") { s = String(s[start.lowerBound...]) }
        var out = ""
        out.reserveCapacity(s.utf8.count + boxes.count * 40)
        var rest = Substring(s)
        while let r = rest.range(of: "<g id=\"") {
            out += rest[..<r.upperBound]
            rest = rest[r.upperBound...]
            guard let q = rest.firstIndex(of: "\"") else { break }
            let id = String(rest[..<q])
            out += rest[...q]
            rest = rest[rest.index(after: q)...]
            if let name = boxes[id] { out += " data-layer=\"\(esc(name))\"" }
            if let name = clusters[id] { out += " data-model=\"\(esc(name))\"" }
        }
        return out + rest
    }

    static func esc(_ s: String) -> String { HTMLReport.escape(s) }

    static let css = """
    html,body{height:100%}
    body{font:14px/1.4 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#222;background:#fafafa;display:flex;flex-direction:column}
    header{padding:10px 16px;background:#fff;border-bottom:1px solid #ddd;flex:none}
    h1{font-size:18px;margin:0 0 6px}
    dl.facts{display:flex;flex-wrap:wrap;gap:4px 18px;margin:0 0 6px}
    dl.facts div{display:flex;gap:6px}dt{color:#666}dd{margin:0;font-weight:600}
    .note{margin:2px 0;color:#8a5a00;font-size:12px}
    nav{display:flex;gap:12px;align-items:center;flex-wrap:wrap}
    #search{width:260px;padding:4px 8px}#matches{color:#666;font-size:12px}
    #legend{display:inline-flex;align-items:center;gap:6px;font-size:12px;color:#555}
    #legend i{display:inline-block;width:120px;height:10px;background:linear-gradient(90deg,#fff7ec,#fdbb84,#ef6548);border:1px solid #ccc}
    main{display:flex;flex:1;min-height:0}
    #graph{flex:1;overflow:auto;padding:12px}
    #graph svg{display:block;height:auto}
    .view[hidden]{display:none}
    g.node{cursor:pointer}
    g.node.selected path,g.node.selected polygon{stroke:#1f6feb;stroke-width:3px}
    g.node.found path,g.node.found polygon{stroke:#d4a000;stroke-width:3px}
    g.cluster{cursor:pointer}
    aside{width:440px;flex:none;overflow:auto;background:#fff;border-left:1px solid #ddd;padding:10px 14px;font-size:13px}
    aside h2{font-size:16px;margin:4px 0;word-break:break-all}
    aside table{border-collapse:collapse;width:100%;margin:6px 0}
    aside td,aside th{border-bottom:1px solid #eee;padding:2px 3px;font-size:12px;text-align:left;vertical-align:top;font-variant-numeric:tabular-nums}
    aside pre{background:#f4f4f4;padding:6px;overflow:auto;max-height:360px;font-size:12px}
    .hint{color:#777}
    """

    static let script = #"""
    (function(){
    "use strict";
    var M=JSON.parse(document.getElementById("model-data").textContent);
    var byName={};
    (function walk(ns,parent){ns.forEach(function(n){n.parent=parent;byName[n.name]=n;if(n.children)walk(n.children,n.name);});})(M.nodes,null);
    var views=[].slice.call(document.querySelectorAll(".view"));
    var details=document.getElementById("details"),input=document.getElementById("search");
    var heatSel=document.getElementById("heat"),legend=document.getElementById("legend"),matches=document.getElementById("matches");
    var nestedBtn=document.getElementById("nested");
    function current(){return views.filter(function(v){return !v.hidden;})[0];}
    function esc(s){return String(s).replace(/[&<>"]/g,function(c){return{"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"}[c];});}
    function fmt(n){return Number(n).toLocaleString("en-US");}
    function boxesOf(name){return [].slice.call(current().querySelectorAll("g.node")).filter(function(g){return g.getAttribute("data-layer")===name;});}
    function showView(expanded){
      views.forEach(function(v){v.hidden=(v.getAttribute("data-view")==="expanded")!==expanded;});
      if(nestedBtn)nestedBtn.textContent=expanded?"collapse nested models":"expand nested models";
      document.body.setAttribute("data-view",expanded?"expanded":"collapsed");
      paint(heatSel.value);
    }
    function row(k,v){return "<tr><th>"+esc(k)+"</th><td>"+esc(v)+"</td></tr>";}
    function show(n){
      var h="<h2>"+esc(n.name)+"</h2><table>"+row("class",n.className)+row("output shape",n.outputShape||"unknown")+row("parameters",fmt(n.params));
      (n.facts||[]).forEach(function(f){h+=row(f.label,f.value);});
      Object.keys(n.heat||{}).forEach(function(k){if(k!=="params"&&k!=="macs")h+=row(k,n.heat[k]);});
      h+="</table>";
      if(n.children){h+="<p>nested model, "+n.children.length+" layers. <button type=\"button\" id=\"toggle-nested\">"+(current().getAttribute("data-view")==="expanded"?"collapse":"expand")+"</button></p>";}
      if(n.weights&&n.weights.length){
        h+="<h3>weights</h3><table><tr>"+M.weightColumns.map(function(c){return "<th>"+esc(c)+"</th>";}).join("")+"</tr>";
        n.weights.forEach(function(r){h+="<tr>"+r.map(function(c){return "<td>"+esc(c)+"</td>";}).join("")+"</tr>";});
        h+="</table>";
      }
      if(n.config){var text=n.config;try{text=JSON.stringify(JSON.parse(n.config),null,2);}catch(e){}h+="<h3>config</h3><pre>"+esc(text)+"</pre>";}
      details.innerHTML=h;
      var t=document.getElementById("toggle-nested");
      if(t)t.addEventListener("click",function(){showView(current().getAttribute("data-view")!=="expanded");select(n.name);});
    }
    function select(name){
      [].forEach.call(document.querySelectorAll("g.selected"),function(g){g.classList.remove("selected");});
      var n=byName[name];if(!n)return false;
      var gs=boxesOf(name);
      if(!gs.length){var c=current().querySelector("g.cluster[data-model=\""+name.replace(/["\\]/g,"\\$&")+"\"]");if(c)gs=[c];}
      gs.forEach(function(g){g.classList.add("selected");});
      if(gs.length&&gs[0].scrollIntoView)gs[0].scrollIntoView({block:"center",inline:"center"});
      show(n);document.body.setAttribute("data-selected",name);return true;
    }
    function visibleNames(){return [].slice.call(current().querySelectorAll("g.node[data-layer]")).map(function(g){return g.getAttribute("data-layer");});}
    function search(q){
      [].forEach.call(document.querySelectorAll("g.found"),function(g){g.classList.remove("found");});
      q=q.trim().toLowerCase();
      if(!q){matches.textContent="";document.body.removeAttribute("data-found");return;}
      function find(names){var exact=names.filter(function(s){return s.toLowerCase()===q||s.toLowerCase().split("/").pop()===q;});
        return exact.concat(names.filter(function(s){return exact.indexOf(s)<0&&s.toLowerCase().indexOf(q)>=0;}));}
      var hits=find(visibleNames());
      if(!hits.length&&views.length>1){var all=find(Object.keys(byName).filter(function(k){return !byName[k].children;}));if(all.length){showView(true);hits=find(visibleNames());}}
      hits.forEach(function(name){boxesOf(name).forEach(function(g){g.classList.add("found");});});
      matches.textContent=hits.length?hits.length+" found":"no layer matches";
      document.body.setAttribute("data-matches",hits.length);
      if(hits.length){document.body.setAttribute("data-found",hits[0]);select(hits[0]);}else{document.body.removeAttribute("data-found");}
    }
    function colour(t){var a=[255,247,236],b=[253,187,132],c=[239,101,72],u=t<0.5?t*2:(t-0.5)*2,p=t<0.5?a:b,q=t<0.5?b:c;
      return "rgb("+p.map(function(x,i){return Math.round(x+(q[i]-x)*u);}).join(",")+")";}
    function paint(metric){
      var gs=[].slice.call(current().querySelectorAll("g.node[data-layer]"));
      var vals=gs.map(function(g){var n=byName[g.getAttribute("data-layer")];return metric&&n&&n.heat&&n.heat[metric]!=null?n.heat[metric]:null;});
      var max=Math.max.apply(null,vals.map(function(v){return v==null?0:v;}).concat([0]));
      gs.forEach(function(g,i){var v=vals[i],fill=(!metric||v==null)?"#ffffff":colour(max>0?Math.log1p(v)/Math.log1p(max):0);
        [].forEach.call(g.querySelectorAll("path,polygon"),function(s){s.setAttribute("fill",fill);});});
      legend.innerHTML=metric?"0 <i></i> "+esc(metric==="change"?max.toPrecision(3):fmt(max))+" (log scale)":"";
      document.body.setAttribute("data-heat",metric||"");
    }
    document.getElementById("graph").addEventListener("click",function(e){
      var g=e.target.closest("g.node,g.cluster");if(!g)return;
      select(g.getAttribute("data-layer")||g.getAttribute("data-model"));
    });
    input.addEventListener("input",function(){search(input.value);});
    heatSel.addEventListener("change",function(){paint(heatSel.value);});
    if(nestedBtn)nestedBtn.addEventListener("click",function(){showView(current().getAttribute("data-view")!=="expanded");});
    paint(heatSel.value);
    var q=new URLSearchParams(location.search).get("q");
    if(q){input.value=q;search(q);}
    document.body.setAttribute("data-layers",visibleNames().length);
    document.body.setAttribute("data-ready-ms",Math.round(performance.now()));
    })();
    """#
}
